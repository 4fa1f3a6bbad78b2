vim9script
# Streamed chat requests in flight: each writes its answer into a buffer at a zero-width text
# property (which follows the user's edits around it), shows a busy note with the cancel key
# beside it, and ends with an outcome {outcome: 'done'|'cancelled'|'error', text, result?, error?}.
# An agent run (opts.agent) also writes a record of each tool call ("> [tool] NAME … STATUS" and
# its details, see editors/README.md), updated as its status changes, asks the user with
# confirm() before an MCP tool runs (tool.approve), and runs the editor's tools (tool.execute, see
# tools.vim), withdrawn when the daemon cancels them ($/cancelRequest).
# A previewed request (opts.preview) writes nothing while it streams: its answer shows as virtual
# lines below the insertion point, and OnEnd inserts it, in one change.

import autoload 'switchboard/daemon.vim'
import autoload 'switchboard/options.vim'
import autoload 'switchboard/tools.vim'

const MARK = 'switchboard_mark'
const NOTE = 'switchboard_note'
const PREVIEW = 'switchboard_preview'
const CANCELLED = -32800
# virtual text (the busy note) came with 9.0.0067
const HAS_NOTE = has('patch-9.0.0067')

# request id (as a string) -> job {id, buf, mark, lnum, col, undo, joined, preview, pieces, calls, cancel_hint, OnEnd}
# (calls: tool call id -> {lnum, count}, its record's first line and length)
var jobs: dict<dict<any>> = {}
# the daemon's tool.execute requests being run: its id -> the function that stops the tool
var executing: dict<any> = {}
# ConversationChanged(id): a conversations.changed notification
var ConversationChanged: func = (_) => 0
var marks = 0
# whether virtual text takes text_wrap (found out on first use)
var can_wrap = true
# how the last request ended
export var last: dict<any> = {}

def Types()
  if empty(prop_type_get(MARK))
    highlight default link SwitchboardNote Comment
    prop_type_add(MARK, {})
    prop_type_add(NOTE, {highlight: 'SwitchboardNote'})
    prop_type_add(PREVIEW, {highlight: 'SwitchboardNote'})
    # undo restores a line with the text properties it had, busy note included
    augroup switchboard_notes
      autocmd!
      autocmd TextChanged,TextChangedI * RemoveStrayNotes()
    augroup END
  endif
enddef

def RemoveStrayNotes()
  if HAS_NOTE && !Busy(bufnr())
    prop_remove({bufnr: bufnr(), type: NOTE, all: true})
    prop_remove({bufnr: bufnr(), type: PREVIEW, all: true})
  endif
enddef

# Shows the answer of previewed `job` so far as virtual lines below its insertion point.
def Preview(job: dict<any>)
  if !HAS_NOTE || !bufloaded(job.buf)
    return
  endif
  var lnum = Position(job)[0]
  prop_remove({bufnr: job.buf, type: PREVIEW, all: true})
  job.previewed = split(join(job.pieces, ''), "\n", true)
  for line in job.previewed
    # an empty virtual line would not show
    var prop: dict<any> = {bufnr: job.buf, type: PREVIEW, text: line == '' ? ' ' : line, text_align: 'below'}
    if can_wrap
      prop.text_wrap = 'wrap'
    endif
    try
      prop_add(lnum, 0, prop)
    catch /^Vim\%((\a\+)\)\=:E475:/
      # a Vim 9.0 before text_wrap: long lines are cut at the window's edge
      can_wrap = false
      remove(prop, 'text_wrap')
      prop_add(lnum, 0, prop)
    endtry
  endfor
enddef

# The job's insertion point [lnum, col] (col 1-based, in bytes).
export def Position(job: dict<any>): list<number>
  var found = prop_find({bufnr: job.buf, type: MARK, id: job.mark, lnum: 1, col: 1}, 'f')
  if !empty(found)
    [job.lnum, job.col] = [found.lnum, found.col]
  endif
  return [job.lnum, job.col]
enddef

def Place(job: dict<any>, lnum: number, col: number)
  prop_add(lnum, col, {bufnr: job.buf, type: MARK, id: job.mark, length: 0})
  [job.lnum, job.col] = [lnum, col]
  if HAS_NOTE
    prop_remove({bufnr: job.buf, type: NOTE, all: true})
    prop_add(lnum, 0, {bufnr: job.buf, type: NOTE, text: ' ⟳ answering… ' .. job.cancel_hint .. ' cancels', text_align: 'after'})
  endif
enddef

# Writes `text`, a piece of the answer, at the job's point (previews it for a previewed job).
def Write(job: dict<any>, text: string)
  if job.preview
    Preview(job)
  else
    Insert(job, text)
  endif
enddef

# Inserts `text` at the job's point. The cursor of a window on the line being written moves along
# (the user follows the stream); other cursors stay where they are.
def Insert(job: dict<any>, text: string)
  if !bufloaded(job.buf)
    return
  endif
  var [lnum, col] = Position(job)
  var line = get(getbufline(job.buf, lnum), 0, '')
  var parts = split(text, "\n", true)
  var end_col = (len(parts) == 1 ? col - 1 : 0) + len(parts[-1]) + 1
  parts[0] = strpart(line, 0, col - 1) .. parts[0]
  parts[-1] ..= strpart(line, col - 1)
  var followers = filter(win_findbuf(job.buf), (_, w) => line('.', w) == lnum)
  var shown = win_findbuf(job.buf)
  if job.undo && job.joined && !empty(shown)
    win_execute(shown[0], 'silent! undojoin')
  endif
  setbufline(job.buf, lnum, parts[0])
  if len(parts) > 1
    appendbufline(job.buf, lnum, parts[1 :])
  endif
  job.joined = true
  var end_lnum = lnum + len(parts) - 1
  Place(job, end_lnum, end_col)
  for win in followers
    win_execute(win, printf('cursor(%d, %d)', end_lnum, max([1, end_col - 1])))
  endfor
enddef

def Finish(job: dict<any>, outcome: dict<any>)
  if !has_key(jobs, string(job.id))
    return
  endif
  remove(jobs, string(job.id))
  if bufexists(job.buf)
    Position(job)
    prop_remove({bufnr: job.buf, type: MARK, id: job.mark, all: true})
    if HAS_NOTE
      prop_remove({bufnr: job.buf, type: NOTE, all: true})
      prop_remove({bufnr: job.buf, type: PREVIEW, all: true})
    endif
  endif
  outcome.text = join(job.pieces, '')
  last = outcome
  redrawstatus! # the statusline component of the last request goes away
  job.OnEnd(outcome, job)
  if exists('#User#SwitchboardDone')
    doautocmd <nomodeline> User SwitchboardDone
  endif
enddef

def OnResponse(job: dict<any>, channel: any, response: dict<any>)
  if has_key(response, 'error')
    var err = response.error
    if err.code != CANCELLED
      options.Error(err.message)
    endif
    Finish(job, {outcome: err.code == CANCELLED ? 'cancelled' : 'error', error: err})
    return
  endif
  var result = response.result
  var choices = type(result) == v:t_dict ? get(result, 'choices', []) : []
  var answer = empty(choices) ? '' : get(get(choices[0], 'message', {}), 'content', '')
  if empty(job.pieces) && type(answer) == v:t_string && answer != ''
    # an upstream that ignored `stream` sends the whole answer in the result only
    job.pieces->add(answer)
    Write(job, answer)
  endif
  Finish(job, {outcome: 'done', result: result})
enddef

# `value` on one line, at most `width` characters.
def OneLine(value: any, width: number): string
  var text = type(value) == v:t_string ? value : json_encode(value)
  text = substitute(text, '\s*\n\s*', ' ', 'g')
  return strchars(text) > width ? strcharpart(text, 0, width) .. '…' : text
enddef

# The lines recording tool call `call` (a tool.call notification's params) in an answer.
export def ToolRecord(call: dict<any>): list<string>
  var lines = [printf('> [tool] %s … %s', get(call, 'name', '?'), get(call, 'status', '?'))]
  if has_key(call, 'arguments')
    lines->add('>   arguments: ' .. OneLine(call.arguments, 300))
  endif
  if type(get(call, 'result', v:null)) == v:t_string
    var result = split(trim(call.result), "\n", true)
    if len(result) == 1
      lines->add('>   result: ' .. OneLine(result[0], 300))
    else
      lines->add('>   result:')
      lines += mapnew(result[: 11], (_, line) => '>     ' .. OneLine(line, 200))
      if len(result) > 12
        lines->add(printf('>     … (%d more lines)', len(result) - 12))
      endif
    endif
  endif
  return lines
enddef

# Writes (or rewrites) the record of the tool call `call` into the job's answer.
def RecordToolCall(job: dict<any>, call: dict<any>)
  if !bufloaded(job.buf)
    return
  endif
  var lines = ToolRecord(call)
  var known = get(job.calls, call.call_id, {})
  if empty(known)
    var [lnum, col] = Position(job)
    Insert(job, (col > 1 ? "\n" : '') .. join(lines, "\n") .. "\n")
    job.calls[call.call_id] = {lnum: col > 1 ? lnum + 1 : lnum, count: len(lines)}
    return
  endif
  var shown = win_findbuf(job.buf)
  if job.undo && !empty(shown)
    win_execute(shown[0], 'silent! undojoin')
  endif
  deletebufline(job.buf, known.lnum, known.lnum + known.count - 1)
  appendbufline(job.buf, known.lnum - 1, lines)
  # the records after this one moved with it
  for other in values(job.calls)
    if other.lnum > known.lnum
      other.lnum += len(lines) - known.count
    endif
  endfor
  known.count = len(lines)
enddef

# Asks the user whether the MCP tool call of request `message` (tool.approve) may run:
# g:SwitchboardApprove(params) when set (a Funcref returning true or false), else confirm().
def Approve(message: dict<any>)
  var params = message.params
  var approved: bool
  if exists('g:SwitchboardApprove')
    approved = !!g:SwitchboardApprove(params)
  else
    var question = printf('Run the tool %s of %s with %s?', get(params, 'name', '?'), get(params, 'server', 'the server'),
      OneLine(get(params, 'arguments', {}), 200))
    approved = confirm(question, "&Allow\n&Deny", 2) == 1
  endif
  daemon.Respond(message.id, {approved: approved})
enddef

# Runs the editor tool of request `message` (tool.execute) and answers with its output, unless
# the daemon cancelled it meanwhile.
def Execute(message: dict<any>)
  var id = message.id
  var params = type(get(message, 'params', v:null)) == v:t_dict ? message.params : {}
  executing[id] = v:null
  var Stop = tools.Run(get(params, 'name', v:null), get(params, 'arguments', {}), (text, is_error) => {
    if has_key(executing, id)
      remove(executing, id)
      daemon.Respond(id, is_error ? {content: text, is_error: true} : {content: text})
    endif
  })
  if has_key(executing, id)
    executing[id] = Stop
  endif
enddef

# The daemon cancelled its request `id` (the run was cancelled): the tool is stopped, unanswered.
def Withdraw(id: any)
  if has_key(executing, id)
    var Stop = remove(executing, id)
    if type(Stop) == v:t_func
      Stop()
    endif
    options.Warn('a tool call was withdrawn (the run was cancelled)')
  endif
enddef

# The ids of the daemon's tool.execute requests not answered yet.
export def Executing(): list<string>
  return keys(executing)
enddef

# `Handler(id)` runs when another process changed stored conversation `id`.
export def OnConversationChanged(Handler: func)
  ConversationChanged = Handler
enddef

def OnRequest(message: dict<any>)
  if message.method == 'tool.approve'
    Approve(message)
  elseif message.method == 'tool.execute'
    Execute(message)
  else
    daemon.Respond(message.id, v:null, {code: -32601, message: 'method not found: ' .. message.method})
  endif
enddef

def OnNotification(message: dict<any>)
  if message.method == 'tool.call'
    var job = get(jobs, string(message.params.request_id), {})
    if !empty(job)
      RecordToolCall(job, message.params)
    endif
    return
  elseif message.method == '$/cancelRequest'
    Withdraw(get(get(message, 'params', {}), 'id', v:null))
    return
  elseif message.method == 'conversations.changed'
    ConversationChanged(get(get(message, 'params', {}), 'id', ''))
    return
  elseif message.method != 'chat.delta'
    return
  endif
  var params = message.params
  var job = get(jobs, string(params.request_id), {})
  var content = get(params.delta, 'content', '')
  if !empty(job) && params.index == 0 && type(content) == v:t_string && content != ''
    job.pieces->add(content)
    Write(job, content)
    if exists('#User#SwitchboardDelta')
      doautocmd <nomodeline> User SwitchboardDelta
    endif
  endif
enddef

def OnExit(code: number)
  for job in values(jobs)
    Finish(job, {outcome: 'error', error: {code: -32603, message: printf('the daemon exited (code %d)', code)}})
  endfor
enddef

# Sends `chat.complete` (streamed; `agent.run` with opts.agent) with `params` and writes the answer into `opts.buf` at
# [opts.lnum, opts.col] (col 1-based). opts.undo: join the insertions into one undo step (with
# the change just before when opts.joined); opts.preview: write nothing, show the answer below
# the point (OnEnd inserts it); opts.cancel_hint: the key the busy note shows;
# opts.OnEnd(outcome, job) runs last (Position(job) is then where the answer ended).
# Returns the request id, or 0 when the daemon could not start (OnEnd has run).
export def Start(params: dict<any>, opts: dict<any>): number
  Types()
  marks += 1
  var job: dict<any> = {id: 0, buf: opts.buf, mark: marks, lnum: opts.lnum, col: opts.col, pieces: [], calls: {},
    undo: get(opts, 'undo', false), joined: get(opts, 'joined', false), preview: get(opts, 'preview', false),
    cancel_hint: get(opts, 'cancel_hint', ':SwitchboardCancel'), OnEnd: opts.OnEnd}
  if !daemon.Connect()
    opts.OnEnd({outcome: 'error', text: '', error: {code: -32603, message: 'the daemon is not running'}}, job)
    return 0
  endif
  daemon.OnNotification(OnNotification)
  daemon.OnRequest(OnRequest)
  daemon.OnExit(OnExit)
  params.stream = true
  if options.Get('profile') != ''
    params.profile = options.Get('profile')
  endif
  if options.Get('model') != '' && !has_key(params, 'model')
    params.model = options.Get('model')
  endif
  job.id = daemon.Request(get(opts, 'agent', false) ? 'agent.run' : 'chat.complete', params, function(OnResponse, [job]))
  jobs[string(job.id)] = job
  Place(job, opts.lnum, opts.col)
  return job.id
enddef

# Cancels the requests writing into `buf` (every request when -1). Returns how many.
export def Cancel(buf: number = -1): number
  var count = 0
  for job in values(jobs)
    if buf == -1 || job.buf == buf
      daemon.Cancel(job.id)
      count += 1
    endif
  endfor
  return count
enddef

# The ids of the requests writing into `buf`.
export def InFlight(buf: number): list<number>
  return mapnew(filter(values(jobs), (_, job) => job.buf == buf), (_, job) => job.id)
enddef

# Whether requests are in flight (into `buf` only, when given).
export def Busy(buf: number = -1): bool
  return !empty(filter(values(jobs), (_, job) => buf == -1 || job.buf == buf))
enddef

# The lines the previews of answers into `buf` show: a list per request, {} when none.
export def Previewed(buf: number): dict<list<string>>
  var shown: dict<list<string>> = {}
  for job in values(jobs)
    if job.buf == buf && has_key(job, 'previewed')
      shown[string(job.id)] = job.previewed
    endif
  endfor
  return shown
enddef

# A statusline component: "⟳ switchboard <cancel key>" while answers stream, else "".
export def Statusline(): string
  var all = values(jobs)
  return empty(all) ? '' : '⟳ switchboard ' .. all[0].cancel_hint
enddef
