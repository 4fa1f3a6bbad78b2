vim9script
# switchboard.vim: chat buffers, rewrites shown as diffs, answers streamed at the cursor, all
# through the switchboard daemon (any OpenAI-compatible API). See :help switchboard. The
# commands of plugin/switchboard.vim call these; the work is done in autoload/switchboard/.

import autoload 'switchboard/chat.vim'
import autoload 'switchboard/context.vim'
import autoload 'switchboard/conversation.vim'
import autoload 'switchboard/daemon.vim'
import autoload 'switchboard/models.vim'
import autoload 'switchboard/options.vim'
import autoload 'switchboard/rewrite.vim'
import autoload 'switchboard/stream.vim'

# Opens the chat (entering its window): a new one with `preset`; lines `line1`..`line2` of the
# current buffer (when line1 > 0) are added to its input first.
export def Chat(preset: string = '', line1: number = 0, line2: number = 0)
  var source = bufnr()
  var buf = preset == '' ? chat.Get() : chat.New(preset)
  if buf == -1
    return
  endif
  if line1 > 0 && buf != source
    chat.AddInput(buf, context.Lines(source, line1, line2))
  endif
  chat.Show(buf, true)
enddef

# :SwitchboardNew [preset]: opens a new chat (with `preset`) and enters it.
export def NewChat(preset: string = '')
  var buf = chat.New(preset)
  if buf != -1
    chat.Show(buf, true)
  endif
enddef

# Sends the input of the current chat buffer (else of the last chat).
export def Send()
  chat.Send(chat.IsChat(bufnr()) ? bufnr() : chat.Get())
enddef

# :[range]Switchboard[!] {prompt}: the prompt (and the range) into the chat's input, then sent;
# ! starts a new chat.
export def Ask(prompt: string, new: bool, line1: number = 0, line2: number = 0)
  var source = bufnr()
  var buf = new ? chat.New() : chat.Get()
  var lines = split(prompt, "\n", true)
  if line1 > 0
    lines += [''] + context.Lines(source, line1, line2)
  endif
  chat.AddInput(buf, lines)
  chat.Show(buf)
  chat.Send(buf)
enddef

# :[range]SwitchboardAdd [name]: the range, the file or buffer `name`, else the whole buffer,
# into the chat's input.
export def Add(name: string, line1: number = 0, line2: number = 0)
  if name != '' && !bufloaded(bufnr(name)) && filereadable(expand(name)) && context.IsBinary(expand(name))
    options.Error(name .. ' is a binary file (:SwitchboardImage attaches an image)')
    return
  endif
  var lines = line1 > 0 ? context.Lines(bufnr(), line1, line2)
    : name != '' ? context.Named(name) : context.Buffer(bufnr())
  if empty(lines)
    options.Error(printf('no buffer or readable file "%s"', name))
    return
  endif
  var buf = chat.Get()
  chat.AddInput(buf, lines)
  chat.Show(buf)
enddef

# :SwitchboardImage {path}: attaches an image to the chat's input.
export def Image(path: string)
  var buf = chat.Get()
  chat.AddInput(buf, [printf('![image](%s)', conversation.ImageUrl(path, getcwd()))])
  chat.Show(buf)
enddef

export def Cancel()
  if stream.Cancel() == 0
    options.Info('nothing to cancel')
  endif
enddef

export def Rewrite(line1: number, line2: number, instruction: string)
  rewrite.Start(line1, line2, instruction)
enddef

export def Accept()
  rewrite.Accept()
enddef

export def Reject()
  rewrite.Reject()
enddef

# Asks for the instruction, then rewrites the last visual selection.
export def PromptRewrite()
  var instruction = input('Rewrite: ')
  if instruction != ''
    Rewrite(line("'<"), line("'>"), instruction)
  endif
enddef

# :[range]SwitchboardInsert {prompt}: the answer to the prompt goes into the buffer after the
# cursor (as `a` inserts), or on new lines below the range, which goes with the prompt. While it
# streams it shows as virtual lines below the insertion point (the buffer is not changed, the user
# may edit it); when it ends it is inserted as one change, one undo step. A cancelled or failed
# answer inserts nothing.
export def Insert(prompt: string, line1: number = 0, line2: number = 0)
  var buf = bufnr()
  var user = prompt
  var lnum = line('.')
  var col = 1
  var below = line1 > 0
  if below
    user = join([prompt, ''] + context.Lines(buf, line1, line2), "\n")
    lnum = line2
  elseif getline('.') != ''
    col = col('.') + len(matchstr(getline('.'), '\%' .. col('.') .. 'c.'))
  endif
  stream.Start({messages: [{role: 'system', content: options.Get('insert_prompt')}, {role: 'user', content: user}]},
    {buf: buf, lnum: lnum, col: col, preview: true, cancel_hint: CancelHint(),
     OnEnd: (outcome, job) => InsertEnded(buf, below, outcome, job)})
enddef

# Inserts the answer `outcome` of `job` into `buf` at the job's point (on new lines below that
# line when `below`), as one undo step of its own: an answer that is one fenced block goes in
# without its fence. A window whose cursor was on that line moves to the answer's end.
def InsertEnded(buf: number, below: bool, outcome: dict<any>, job: dict<any>)
  if outcome.outcome == 'cancelled'
    options.Info('cancelled: nothing inserted')
  endif
  if outcome.outcome != 'done' || !bufloaded(buf) || outcome.text == ''
    return
  endif
  var inside = conversation.Unfenced(outcome.text)
  var lines = split(type(inside) == v:t_string ? inside : outcome.text, "\n", true)
  var [lnum, col] = stream.Position(job)
  var followers = filter(win_findbuf(buf), (_, w) => line('.', w) == lnum)
  var end_lnum = lnum + len(lines) - (below ? 0 : 1)
  var end_col = len(lines[-1]) + (below || len(lines) > 1 ? 0 : col - 1)
  BreakUndo(buf)
  if below
    appendbufline(buf, lnum, lines)
  else
    var line = getbufline(buf, lnum)[0]
    lines[0] = strpart(line, 0, col - 1) .. lines[0]
    lines[-1] ..= strpart(line, col - 1)
    setbufline(buf, lnum, lines[0])
    appendbufline(buf, lnum, lines[1 :])
  endif
  for win in followers
    win_execute(win, printf('cursor(%d, %d)', end_lnum, max([1, end_col])))
  endfor
enddef

# Closes the undo block of `buf` (the user's last change), so that what comes next is an undo
# step of its own (:help undo-break: setting 'undolevels' closes the block). A buffer no window
# shows has not been edited since it was left, which closed its block.
def BreakUndo(buf: number)
  var shown = win_findbuf(buf)
  if !empty(shown)
    win_execute(shown[0], '&undolevels = &undolevels')
  endif
enddef

# Asks for the prompt, then inserts its answer (below the last visual selection with `range`).
export def PromptInsert(range: bool)
  var prompt = input('Insert: ')
  if prompt != '' && range
    Insert(prompt, line("'<"), line("'>"))
  elseif prompt != ''
    Insert(prompt)
  endif
enddef

# The key mapped to <Plug>(SwitchboardCancel) in Normal mode, else the command.
def CancelHint(): string
  for map in maplist()
    if map.mode == 'n' && map.rhs == '<Plug>(SwitchboardCancel)'
      return map.lhs
    endif
  endfor
  return ':SwitchboardCancel'
enddef

# :SwitchboardRetry: asks the last question of the current chat (else the last chat) again.
export def Retry()
  chat.Retry(chat.IsChat(bufnr()) ? bufnr() : chat.Get())
enddef

export def Save(path: string, force: bool = false)
  chat.Save(chat.IsChat(bufnr()) ? bufnr() : chat.Get(), path, force)
enddef

export def Open(path: string)
  chat.Show(chat.Open(path), true)
enddef

# :SwitchboardModel [name]: sets g:switchboard_model (! resets it); without a name, picks one
# among the upstream's chat models.
export def Model(name: string, bang: bool)
  if bang || name != ''
    SetModel(name)
  else
    models.Pick(SetModel)
  endif
enddef

def SetModel(name: string)
  g:switchboard_model = name
  options.Info('model ' .. (name == '' ? "(the daemon's default_model)" : name))
enddef

# :SwitchboardProfile [name]: uses profile `name` once the daemon confirmed it knows it (! resets).
export def Profile(name: string, bang: bool)
  if name == ''
    if bang
      g:switchboard_profile = ''
    endif
    options.Info('profile ' .. (options.Get('profile') == '' ? '(the daemon default)' : options.Get('profile')))
    return
  endif
  if daemon.Connect()
    daemon.Request('config.get', {profile: name}, (_, response) => {
      if has_key(response, 'error')
        options.Error(response.error.message)
      else
        g:switchboard_profile = name
        options.Info('profile ' .. name)
      endif
    })
  endif
enddef

# Completion of :SwitchboardProfile: the profiles of the daemon's configuration (config.get).
export def CompleteProfiles(lead: string, line: string, position: number): list<string>
  var profiles = get(get(daemon.RequestWait('config.get', {}), 'result', {}), 'profiles', {})
  return type(profiles) == v:t_dict ? sort(keys(profiles))->filter((_, name) => stridx(name, lead) == 0) : []
enddef

# :SwitchboardRestart: stops the daemon; the next request starts it with the current settings.
export def Restart()
  stream.Cancel()
  daemon.Shutdown()
  options.Info('daemon stopped; the next request starts it again')
enddef

# {busy, last, job, rewrite}: whether requests are in flight, how the last one ended, the
# daemon's job, whether a rewrite is on screen.
export def Status(): dict<any>
  return {busy: stream.Busy(), last: stream.last, job: daemon.Job(), rewrite: rewrite.Active()}
enddef

export def Statusline(): string
  return stream.Statusline()
enddef

export def Shutdown()
  daemon.Shutdown()
enddef
