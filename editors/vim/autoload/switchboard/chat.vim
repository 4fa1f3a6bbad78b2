vim9script
# Chat buffers: a Markdown conversation (see conversation.vim) you type into under "## You" and
# send with a key; the answer streams in under "## Assistant", then a new "## You" block waits.
# A new chat is a scratch buffer switchboard://chat-N; :SwitchboardSave turns it into a file,
# :SwitchboardOpen makes any Markdown file a chat again. Chats are kept in the daemon's
# conversation store (g:switchboard_store): the first question starts a conversation
# (conversation_id "new"), the next ones send only themselves with its id (b:switchboard_conversation),
# and :SwitchboardHistory (history.vim) reopens any stored conversation to go on with it. The
# tokens each answer used show after its heading.

import autoload 'switchboard/conversation.vim'
import autoload 'switchboard/options.vim'
import autoload 'switchboard/stream.vim'
import autoload 'switchboard/tools.vim'

var count = 0
# the chat buffer used last
var current = -1
# the daemon answered that its store cannot be used (-32008): chats are not stored this session
var store_unusable = false
const HEADING = 'switchboard_heading'
const USAGE = 'switchboard_usage'
# ids of heading marks: prop_find() matches a mark of stream.vim with the same id whatever its
# type, so these are kept apart from those
var headings = 1000000
# virtual text came with 9.0.0067
const HAS_NOTE = has('patch-9.0.0067')

export def IsChat(buf: number): bool
  return bufexists(buf) && getbufvar(buf, 'switchboard_chat', false) == true
enddef

def Keys(): dict<any>
  return options.Get('chat_keys')
enddef

# Makes `buf` a chat buffer: Markdown, the chat keys, and `model` (a preset's) for its requests.
export def Attach(buf: number, model: string = '')
  setbufvar(buf, 'switchboard_chat', true)
  if model != ''
    setbufvar(buf, 'switchboard_model', model)
  endif
  setbufvar(buf, '&filetype', 'markdown')
  # a chat closed (wiped, deleted or unloaded) while it answers stops its answer
  execute printf('autocmd! BufWipeout,BufDelete,BufUnload <buffer=%d> stream.Cancel(%d)', buf, buf)
  # buffer-local maps apply to the current buffer: made now, or when the buffer is entered
  if buf == bufnr()
    MapKeys()
  else
    execute printf('autocmd BufEnter <buffer=%d> ++once MapKeys()', buf)
  endif
  current = buf
enddef

def MapKeys()
  var keys = Keys()
  var maps = [
    ['nnoremap', get(keys, 'send', ''), '<ScriptCmd>Send(bufnr())<CR>'],
    ['nnoremap', get(keys, 'send_insert', ''), '<ScriptCmd>Send(bufnr())<CR>'],
    ['inoremap', get(keys, 'send_insert', ''), '<Esc><ScriptCmd>Send(bufnr())<CR>'],
    # Normal mode only: in Insert mode the key keeps its meaning (<C-c> leaves Insert mode)
    ['nnoremap', get(keys, 'cancel', ''), '<ScriptCmd>CancelHere()<CR>'],
    ['nnoremap', get(keys, 'new', ''), '<ScriptCmd>execute "buffer" New()<CR>'],
  ]
  for [command, lhs, rhs] in maps
    if lhs != ''
      execute command .. ' <buffer> <silent> ' .. lhs .. ' ' .. rhs
    endif
  endfor
enddef

def CancelHere()
  if stream.Cancel(bufnr()) == 0
    options.Info('nothing to cancel')
  endif
enddef

# A new chat buffer with the system prompt of preset `name` (or g:switchboard_system_prompt);
# -1 for an unknown preset.
export def New(name: string = ''): number
  var preset: dict<any> = {}
  if name != ''
    preset = get(options.Get('presets'), name, {})
    if empty(preset)
      options.Error(printf('no preset "%s" (see g:switchboard_presets)', name))
      return -1
    endif
  endif
  count += 1
  var buf = bufadd('switchboard://chat-' .. count)
  setbufvar(buf, '&buftype', 'nofile')
  setbufvar(buf, '&bufhidden', 'hide')
  setbufvar(buf, '&swapfile', 0)
  setbufvar(buf, '&buflisted', 1)
  bufload(buf)
  setbufline(buf, 1, conversation.New(get(preset, 'system', options.Get('system_prompt'))))
  Attach(buf, get(preset, 'model', ''))
  return buf
enddef

# The chat buffer used last, or a new one.
export def Get(): number
  return IsChat(current) ? current : New()
enddef

# The stored conversation chat `buf` continues ('' when none).
export def ConversationId(buf: number): string
  return getbufvar(buf, 'switchboard_conversation', '')
enddef

# Makes chat `buf` continue stored conversation `id` ('': none).
export def SetConversationId(buf: number, id: string)
  setbufvar(buf, 'switchboard_conversation', id)
enddef

# Whether chats are stored: g:switchboard_store, unless the daemon said it cannot.
export def Storing(): bool
  return !!options.Get('store') && !store_unusable
enddef

# The token counts of `usage` as a short note, or ''.
export def UsageNote(usage: any): string
  if type(usage) != v:t_dict || type(get(usage, 'total_tokens', v:null)) != v:t_number
    return ''
  endif
  return printf('%d tokens (%d in, %d out)', usage.total_tokens, get(usage, 'prompt_tokens', 0), get(usage, 'completion_tokens', 0))
enddef

def PropTypes()
  if empty(prop_type_get(HEADING))
    highlight default link SwitchboardUsage Comment
    prop_type_add(HEADING, {})
    prop_type_add(USAGE, {highlight: 'SwitchboardUsage'})
  endif
enddef

# A mark on line `lnum` of `buf` (an answer's heading) that follows the edits above it; its id.
def MarkHeading(buf: number, lnum: number): number
  PropTypes()
  headings += 1
  prop_add(lnum, 1, {bufnr: buf, type: HEADING, id: headings, length: 0})
  return headings
enddef

# Remembers the conversation id the daemon gave the turn, shows its usage after the answer's
# heading (mark `heading`), and turns the store off when the daemon cannot use it (the question
# is then asked again, unstored: outcome.resent).
def AfterTurn(buf: number, outcome: dict<any>, heading: number)
  var result = get(outcome, 'result', v:null)
  if has_key(outcome, 'error')
    var data = get(outcome.error, 'data', {})
    result = type(data) == v:t_dict ? get(data, 'partial', v:null) : v:null
  endif
  result = type(result) == v:t_dict ? result : {}
  if type(get(result, 'conversation_id', v:null)) == v:t_string
    SetConversationId(buf, result.conversation_id)
  endif
  if has_key(outcome, 'error') && get(outcome.error, 'code', 0) == -32008 && !store_unusable
    store_unusable = true
    options.Warn('the conversation store cannot be used (' .. get(outcome.error, 'message', '') .. '): chats are not stored this session')
    outcome.resent = true
    timer_start(0, (_) => Retry(buf))
  endif
  outcome.usage = get(result, 'usage', v:null)
  var found = prop_find({bufnr: buf, type: HEADING, id: heading, lnum: 1, col: 1}, 'f')
  prop_remove({bufnr: buf, type: HEADING, id: heading, all: true})
  var note = UsageNote(outcome.usage)
  if note != '' && !empty(found) && HAS_NOTE
    prop_add(found.lnum, 0, {bufnr: buf, type: USAGE, text: '  ' .. note, text_align: 'after'})
  endif
enddef

# A chat continuing a conversation that another editor or script changed is told so.
def ConversationChanged(id: any)
  for info in getbufinfo()
    if IsChat(info.bufnr) && id != '' && ConversationId(info.bufnr) == id
      options.Warn(printf('%s: its conversation changed elsewhere (another editor or script); :SwitchboardHistory opens it as it is now',
        fnamemodify(info.name, ':t')))
    endif
  endfor
enddef

stream.OnConversationChanged(ConversationChanged)

# Shows `buf` in a window of this tab page (opening one with g:switchboard_window); enters it
# and puts the cursor at the end with `focus`.
export def Show(buf: number, focus: bool = false)
  var win = bufwinid(buf)
  if win == -1
    var previous = win_getid()
    execute options.Get('window')
    execute 'buffer ' .. buf
    win = win_getid()
    if !focus
      win_gotoid(previous)
    endif
  endif
  if focus
    win_gotoid(win)
    cursor(line('$'), 1)
  endif
enddef

# Makes sure the buffer ends with a "## You" block (the input); returns its last line number.
def EnsureInput(buf: number): number
  var lines = getbufline(buf, 1, '$')
  var blocks = conversation.Blocks(lines)
  if empty(blocks) || blocks[-1].role != 'user'
    if lines == ['']
      setbufline(buf, 1, ['## You', ''])
    elseif lines[-1] =~ '^\s*$'
      appendbufline(buf, '$', ['## You', ''])
    else
      appendbufline(buf, '$', ['', '## You', ''])
    endif
  endif
  return len(getbufline(buf, 1, '$'))
enddef

# Appends `lines` to the input (the last "## You" block) of `buf`, followed by an empty line.
export def AddInput(buf: number, lines: list<string>)
  var last = EnsureInput(buf)
  if getbufline(buf, last)[0] == ''
    deletebufline(buf, last)
    appendbufline(buf, last - 1, lines + [''])
  else
    appendbufline(buf, last, lines + [''])
  endif
enddef

def BaseDir(buf: number): string
  var name = bufname(buf)
  return getbufvar(buf, '&buftype') == '' && name != '' ? fnamemodify(name, ':p:h') : getcwd()
enddef

# The note that ends an answer with `outcome` ({outcome, result?, error?}), or ''.
export def NoteOf(outcome: dict<any>): string
  if outcome.outcome == 'cancelled'
    return conversation.CANCELLED
  elseif outcome.outcome == 'error'
    var code = has_key(outcome.error, 'code') ? ' ' .. outcome.error.code : ''
    return printf('[error%s: %s]', code, substitute(get(outcome.error, 'message', ''), '\s*\n\s*', ' ', 'g'))
  endif
  var choices = get(get(outcome, 'result', {}), 'choices', [])
  return type(choices) == v:t_list && !empty(choices) && get(choices[0], 'finish_reason', '') == 'length'
    ? conversation.CUT_OFF : ''
enddef

# Ends the answer that ends on line `lnum` of chat `buf`: closes a fence it left open, adds the
# note of `outcome` (cancelled, cut off, error), then a new "## You" block to type into (unless
# the input was started while the answer streamed). A cursor at or after the answer's end moves
# to the new input.
export def EndAnswer(buf: number, outcome: dict<any>, lnum: number)
  if !bufloaded(buf)
    return
  endif
  var followers = filter(win_findbuf(buf), (_, w) => line('.', w) >= lnum)
  var added: list<string> = []
  var fence = conversation.OpenFence(split(get(outcome, 'text', ''), "\n", true))
  if fence != ''
    added->add(fence)
  endif
  var note = NoteOf(outcome)
  if note != ''
    added->add(note)
  endif
  var shown = win_findbuf(buf)
  if !empty(shown)
    win_execute(shown[0], 'silent! undojoin') # the end is part of the answer's undo step
  endif
  if !empty(added)
    if getbufline(buf, lnum)[0] == ''
      setbufline(buf, lnum, added[0])
      appendbufline(buf, lnum, added[1 :])
    else
      appendbufline(buf, lnum, added)
    endif
    if !empty(shown)
      win_execute(shown[0], 'silent! undojoin')
    endif
  endif
  var last = EnsureInput(buf)
  for win in followers
    win_execute(win, printf('cursor(%d, 1)', last))
  endfor
  Autosave(buf)
enddef

# The end of an answer into `buf`, unless the chat was closed meanwhile.
def Ended(buf: number, heading: number, outcome: dict<any>, job: dict<any>)
  if bufloaded(buf)
    AfterTurn(buf, outcome, heading)
    EndAnswer(buf, outcome, stream.Position(job)[0])
  endif
enddef

# Saves scratch chat `buf` (not one that is a file: :w saves that) as Markdown in
# g:switchboard_autosave_dir, one file per chat; returns its path, '' when not saved.
export def Autosave(buf: number): string
  var dir = options.Get('autosave_dir')
  if dir == '' || getbufvar(buf, '&buftype') != 'nofile'
    return ''
  endif
  var path = getbufvar(buf, 'switchboard_autosave', '')
  if path == ''
    dir = expand(dir)
    mkdir(dir, 'p')
    path = printf('%s/chat-%s-%d.md', dir, strftime('%Y%m%d-%H%M%S'), buf)
    setbufvar(buf, 'switchboard_autosave', path)
  endif
  if writefile(getbufline(buf, 1, '$'), path) != 0
    options.Warn('cannot autosave the chat to ' .. path)
    return ''
  endif
  return path
enddef

# Sends the input of chat buffer `buf` with the conversation before it (only the input when the
# chat continues a stored conversation, which the daemon holds); the answer streams in below it.
# With g:switchboard_tools, through agent.run, the editor's tools offered (tools.vim).
export def Send(buf: number)
  var keys = Keys()
  if stream.Busy(buf)
    options.Warn('an answer is still streaming; ' .. get(keys, 'cancel', ':SwitchboardCancel') .. ' cancels it')
    return
  endif
  var lines = getbufline(buf, 1, '$')
  var pending = conversation.Pending(lines)
  if empty(pending)
    options.Warn('nothing to send: write your message under the last "## You"')
    return
  endif
  var messages = conversation.Messages(lines, BaseDir(buf))
  var params: dict<any> = {}
  if Storing()
    params.conversation_id = ConversationId(buf) == '' ? 'new' : ConversationId(buf)
    if params.conversation_id != 'new'
      messages = messages[-1 :] # the daemon sends the stored ones before it
    endif
  endif
  var last = len(lines)
  while last > pending.first && lines[last - 1] =~ '^\s*$'
    last -= 1
  endwhile
  if last < len(lines)
    deletebufline(buf, last + 1, '$')
  endif
  appendbufline(buf, last, ['', '## Assistant', ''])
  var answer_line = last + 3
  var heading = MarkHeading(buf, answer_line - 1)
  for win in win_findbuf(buf)
    win_execute(win, printf('cursor(%d, 1)', answer_line))
  endfor
  params.messages = messages
  var model = getbufvar(buf, 'switchboard_model', '')
  if model == '' && conversation.HasImage(messages)
    model = options.Get('vision_model')
  endif
  if model != ''
    params.model = model
  endif
  current = buf
  # undo, joined: one undo step for the answer, its heading included
  # with g:switchboard_tools, through agent.run: the editor's tools, and the daemon's MCP tools
  # (asked for with confirm())
  var option = options.Get('tools')
  var agent = type(option) == v:t_list || !!option
  if agent && !empty(tools.Offered())
    params.tools = tools.Offered()
  endif
  stream.Start(params, {buf: buf, lnum: answer_line, col: 1, undo: true, joined: true, agent: agent,
    cancel_hint: get(keys, 'cancel', ':SwitchboardCancel'),
    OnEnd: (outcome, job) => Ended(buf, heading, outcome, job)})
enddef

# Asks the last question of chat `buf` again: its answer (failed, cancelled, cut off or not) is
# removed and the question sent anew. Nothing happens, with a note, when the chat does not end
# with an answer (and an empty "## You").
export def Retry(buf: number)
  if stream.Busy(buf)
    options.Warn('an answer is still streaming')
    return
  endif
  var blocks = conversation.Blocks(getbufline(buf, 1, '$'))
  var last = empty(blocks) ? {} : blocks[-1]
  if !empty(last) && last.role == 'user' && empty(filter(copy(last.lines), (_, l) => l !~ '^\s*$'))
    last = len(blocks) > 1 ? blocks[-2] : {}
  endif
  if empty(last) || last.role != 'assistant'
    options.Warn('nothing to retry: the chat does not end with an answer')
    return
  endif
  deletebufline(buf, last.first, '$')
  # the stored conversation keeps the old answer: the question goes on in a new one, sent whole
  SetConversationId(buf, '')
  Send(buf)
enddef

# Loads the Markdown file `path` as a chat buffer (without showing it) and returns it.
export def Open(path: string, model: string = ''): number
  var buf = bufadd(fnamemodify(expand(path), ':p'))
  bufload(buf)
  setbufvar(buf, '&buflisted', 1)
  Attach(buf, model)
  return buf
enddef

# Writes chat `buf` to `path` and shows that file in its place, still a chat: :w then saves it.
# An existing file is left alone unless `force`; a missing folder is reported.
export def Save(buf: number, path: string, force: bool = false): number
  if stream.Busy(buf)
    options.Warn('wait for the answer (or cancel it) before saving')
    return -1
  endif
  var file_path = fnamemodify(expand(path), ':p')
  if !isdirectory(fnamemodify(file_path, ':h'))
    options.Error('no folder ' .. fnamemodify(file_path, ':h') .. ' (create it first)')
    return -1
  endif
  if !force && (filereadable(file_path) || isdirectory(file_path))
    options.Error(file_path .. ' exists: :SwitchboardSave! overwrites it')
    return -1
  endif
  if writefile(getbufline(buf, 1, '$'), file_path) != 0
    options.Error('cannot write ' .. file_path)
    return -1
  endif
  var file = Open(file_path, getbufvar(buf, 'switchboard_model', ''))
  for win in win_findbuf(buf)
    win_execute(win, 'buffer ' .. file)
  endfor
  if getbufvar(buf, '&buftype') == 'nofile'
    execute 'bwipeout! ' .. buf
  endif
  options.Info('saved to ' .. file_path)
  return file
enddef
