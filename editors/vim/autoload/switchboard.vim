vim9script
# switchboard.vim: chat with an OpenAI-compatible API through the switchboard daemon, the answer
# streaming into the buffer switchboard://chat. The daemon runs as a job whose channel is in "lsp"
# mode: Vim writes and reads the Content-Length framing, numbers the requests and routes each
# response to its callback; notifications (chat.delta) reach OnMessage.

const CHAT_NAME = 'switchboard://chat'
const CANCELLED = -32800

# the running daemon: {job, channel, stderr}; empty when none
var daemon: dict<any> = {}
# the request in flight: {id, buf, streamed}; empty when none
var current: dict<any> = {}
# how the last request ended: {outcome: 'done'|'cancelled'|'error', text, result?, error?}
var last: dict<any> = {}
# the conversation so far, as chat messages
var history: list<dict<any>> = []

# The option g:switchboard_{name}, or `default`.
def Option(name: string, default: any = ''): any
  return get(g:, 'switchboard_' .. name, default)
enddef

# Reports an error: in the message history (:messages) and, where Vim has popups, in one.
export def Error(message: string)
  echohl ErrorMsg
  echomsg 'switchboard: ' .. message
  echohl None
  if Option('error_popup', 1) && has('popupwin')
    popup_notification('switchboard: ' .. message, {highlight: 'ErrorMsg', time: 5000})
  endif
enddef

def Info(message: string)
  echomsg 'switchboard: ' .. message
enddef

def Fire(event: string)
  if exists('#User#' .. event)
    execute 'doautocmd <nomodeline> User ' .. event
  endif
enddef

# --- the chat buffer -----------------------------------------------------------------------

def FindChat(): number
  for info in getbufinfo()
    if info.name == CHAT_NAME
      return info.bufnr
    endif
  endfor
  return -1
enddef

# The chat buffer (a markdown scratch buffer), created when missing.
export def ChatBuffer(): number
  var buf = FindChat()
  if buf != -1
    return buf
  endif
  buf = bufadd(CHAT_NAME)
  setbufvar(buf, '&buftype', 'nofile')
  setbufvar(buf, '&bufhidden', 'hide')
  setbufvar(buf, '&swapfile', 0)
  setbufvar(buf, '&buflisted', 1)
  bufload(buf)
  setbufvar(buf, '&filetype', 'markdown')
  return buf
enddef

# Shows the chat buffer in a window (opened with g:switchboard_window when none shows it),
# staying in the current window.
def Show(): number
  var buf = ChatBuffer()
  if bufwinid(buf) == -1
    var previous = win_getid()
    execute Option('window', 'botright vsplit')
    execute 'buffer ' .. buf
    win_gotoid(previous)
  endif
  return buf
enddef

def LineCount(buf: number): number
  return getbufinfo(buf)[0].linecount
enddef

def IsEmpty(buf: number): bool
  return LineCount(buf) == 1 && getbufline(buf, 1)[0] == ''
enddef

# Moves the cursor of the windows showing `buf` to its end; the current window's only when its
# cursor was on the old last line.
def Follow(buf: number, old_last: number)
  for win in win_findbuf(buf)
    if win != win_getid() || line('.', win) >= old_last
      win_execute(win, 'normal! G')
    endif
  endfor
enddef

def AddLines(buf: number, lines: list<string>)
  var old_last = LineCount(buf)
  if IsEmpty(buf)
    setbufline(buf, 1, lines)
  else
    appendbufline(buf, '$', lines)
  endif
  Follow(buf, old_last)
enddef

# Appends `text` to the last line; its newlines start new lines.
def AddText(buf: number, text: string)
  if !bufloaded(buf)
    return # wiped while the answer streamed
  endif
  var parts = split(text, "\n", true)
  var n = LineCount(buf)
  setbufline(buf, n, getbufline(buf, n)[0] .. parts[0])
  if len(parts) > 1
    appendbufline(buf, n, parts[1 :])
  endif
  Follow(buf, n)
enddef

def StartTurn(buf: number, question: string)
  var lines = IsEmpty(buf) ? [] : ['']
  lines += ['## You'] + split(question, "\n", true) + ['', '## Assistant', '']
  AddLines(buf, lines)
enddef

# Ends the answer, with `note` (such as "[cancelled]") on its own line when given.
def EndTurn(buf: number, note: string)
  if note == '' || !bufloaded(buf)
    return
  endif
  var n = LineCount(buf)
  if getbufline(buf, n)[0] == ''
    setbufline(buf, n, note)
  else
    AddLines(buf, [note])
  endif
enddef

# --- the daemon ----------------------------------------------------------------------------

def Running(): bool
  return !empty(daemon) && job_status(daemon.job) == 'run'
enddef

def OnMessage(channel: channel, message: any)
  if type(message) != v:t_dict || get(message, 'method', '') != 'chat.delta' || empty(current)
    return
  endif
  var params = message.params
  if params.request_id != current.id || params.index != 0
    return
  endif
  var content = get(params.delta, 'content', '')
  if type(content) == v:t_string && content != ''
    current.streamed->add(content)
    AddText(current.buf, content)
    Fire('SwitchboardDelta')
  endif
enddef

def OnStderr(channel: channel, line: string)
  # the daemon's last 50 stderr lines (its warnings and errors), kept for debugging
  daemon.stderr = (get(daemon, 'stderr', []) + [line])[-50 :]
enddef

def OnExit(job: job, code: number)
  if !empty(current)
    Finish(current, v:null, {error: {code: -32603, message: printf('the daemon exited (code %d)', code)}})
  endif
enddef

# Starts the daemon when it is not running and sends `initialize`. False (after an error
# message) when it cannot start.
export def Connect(): bool
  if Running()
    return true
  endif
  var cmd = Option('cmd', ['switchboard'])
  cmd = type(cmd) == v:t_string ? [cmd] : cmd
  if !executable(cmd[0])
    Error(printf('the daemon "%s" is not an executable on PATH (set g:switchboard_cmd)', cmd[0]))
    return false
  endif
  var job = job_start(cmd, {in_mode: 'lsp', out_mode: 'lsp', err_mode: 'nl', noblock: true,
    out_cb: OnMessage, err_cb: OnStderr, exit_cb: OnExit})
  if job_status(job) != 'run'
    Error('could not start ' .. cmd[0])
    return false
  endif
  daemon = {job: job, channel: job_getchannel(job), stderr: []}
  var params: dict<any> = {client_info: {name: 'switchboard.vim', version: '0.1.0'}}
  if !empty(Option('config', {}))
    params.config = Option('config')
  endif
  var answer = ch_evalexpr(daemon.channel, {method: 'initialize', params: params}, {timeout: Option('timeout_ms', 5000)})
  if type(answer) != v:t_dict || !has_key(answer, 'result')
    Error('the daemon did not initialize: ' .. string(type(answer) == v:t_dict ? get(answer, 'error', answer) : answer))
    Shutdown()
    return false
  endif
  ch_sendexpr(daemon.channel, {method: 'initialized'})
  return true
enddef

# Sends a request; `Callback(channel, response)` gets the whole response message.
def Request(method: string, params: dict<any>, Callback: func): number
  return ch_sendexpr(daemon.channel, {method: method, params: params}, {callback: Callback}).id
enddef

# Stops the daemon: `shutdown`, then `exit`; terminated if still running after the timeout.
# Returns the job that ran (or v:null).
export def Shutdown(): any
  if empty(daemon)
    return v:null
  endif
  var job = daemon.job
  var timeout = Option('timeout_ms', 5000)
  if job_status(job) == 'run'
    ch_evalexpr(daemon.channel, {method: 'shutdown'}, {timeout: timeout})
    if ch_status(daemon.channel) == 'open'
      ch_sendexpr(daemon.channel, {method: 'exit'})
    endif
    WaitForExit(job, timeout)
    if job_status(job) == 'run'
      job_stop(job, 'term')
      WaitForExit(job, timeout)
    endif
  endif
  daemon = {}
  return job
enddef

def WaitForExit(job: job, timeout: number)
  var waited = 0
  while job_status(job) == 'run' && waited < timeout
    sleep 10m
    waited += 10
  endwhile
enddef

# --- requests ------------------------------------------------------------------------------

# Ends `request` with the daemon's `response` (a channel callback, bound to the request).
def Finish(request: dict<any>, channel: any, response: dict<any>)
  if get(request, 'finished', false)
    return
  endif
  request.finished = true
  current = {}
  var outcome: dict<any> = {text: join(request.streamed, '')}
  var note = ''
  if has_key(response, 'error')
    var err = response.error
    outcome.error = err
    if err.code == CANCELLED
      outcome.outcome = 'cancelled'
      note = '[cancelled]'
    else
      outcome.outcome = 'error'
      note = printf('[error %d: %s]', err.code, err.message)
      if !get(err, 'reported', false)
        Error(err.message)
      endif
    endif
  else
    outcome.outcome = 'done'
    outcome.result = response.result
    var answer = request.AnswerOf(response.result)
    if empty(request.streamed) && answer != ''
      # an upstream that ignored `stream` sends the whole answer in the result only
      AddText(request.buf, answer)
      outcome.text = answer
    endif
  endif
  EndTurn(request.buf, note)
  last = outcome
  request.OnEnd(outcome)
  Fire('SwitchboardDone')
enddef

# Sends `method` streaming its answer into the last turn of `buf`. `AnswerOf(result)` gives the
# answer's text from the result; `OnEnd(outcome)` runs when the request has ended.
def Stream(buf: number, method: string, params: dict<any>, AnswerOf: func, OnEnd: func)
  var request: dict<any> = {buf: buf, streamed: [], AnswerOf: AnswerOf, OnEnd: OnEnd}
  if !Connect()
    # Connect() has reported why
    Finish(request, v:null, {error: {code: -32603, message: 'the daemon is not running', reported: true}})
    return
  endif
  params.stream = true
  if Option('profile') != ''
    params.profile = Option('profile')
  endif
  current = request
  request.id = Request(method, params, function(Finish, [request]))
enddef

def Busy(): bool
  if !empty(current)
    echohl WarningMsg
    echomsg 'switchboard: a request is in flight; :SwitchboardCancel stops it'
    echohl None
    return true
  endif
  return false
enddef

def ChatAnswer(result: any): string
  if type(result) != v:t_dict || empty(get(result, 'choices', []))
    return ''
  endif
  var content = get(get(result.choices[0], 'message', {}), 'content', '')
  return type(content) == v:t_string ? content : ''
enddef

def ChatEnded(outcome: dict<any>)
  if outcome.outcome == 'error'
    remove(history, -1) # the question stays unanswered: leave it out of the context
  else
    history->add({role: 'assistant', content: outcome.text})
  endif
enddef

# :[range]Switchboard[!] [prompt]: the prompt, the selected lines, or the prompt followed by the
# selected lines in a fenced block; ! starts a new conversation.
export def Chat(args: string, bang: bool, range: number, line1: number, line2: number)
  var prompt = args
  if range > 0
    var selection = join(getline(line1, line2), "\n")
    prompt = args == '' ? selection : printf("%s\n\n```%s\n%s\n```", args, &filetype, selection)
  endif
  if prompt == ''
    Error('give a prompt, or select lines')
    return
  endif
  if Busy()
    return
  endif
  var buf = Show()
  if bang
    history = []
    deletebufline(buf, 1, '$')
  endif
  StartTurn(buf, prompt)
  history->add({role: 'user', content: prompt})
  var params: dict<any> = {messages: deepcopy(history)}
  if Option('model') != ''
    params.model = Option('model')
  endif
  Stream(buf, 'chat.complete', params, ChatAnswer, ChatEnded)
enddef

def ImageText(result: any): string
  return type(result) == v:t_dict ? get(result, 'text', '') : ''
enddef

def Ignore(outcome: dict<any>)
enddef

# :SwitchboardDescribeImage {path} [question]
export def DescribeImage(args: list<string>)
  if Busy()
    return
  endif
  var path = args[0]
  var image = path =~ '^\a[[:alnum:]+.-]*://' ? path : fnamemodify(expand(path), ':p')
  var question = join(args[1 :], ' ')
  var buf = Show()
  StartTurn(buf, printf('[image %s]', image) .. (question == '' ? '' : "\n" .. question))
  var params: dict<any> = {image: image}
  if question != ''
    params.prompt = question
  endif
  if Option('vision_model') != ''
    params.model = Option('vision_model')
  endif
  Stream(buf, 'chat.describeImage', params, ImageText, Ignore)
enddef

# :SwitchboardCancel: the request in flight is answered -32800 and its answer ends "[cancelled]".
export def Cancel()
  if empty(current)
    Info('no request in flight')
    return
  endif
  ch_sendexpr(daemon.channel, {method: '$/cancelRequest', params: {id: current.id}})
enddef

# :SwitchboardModel [name]: sets g:switchboard_model (! resets it); without a name, shows it and
# the models the upstream offers.
export def Model(name: string, bang: bool)
  if bang || name != ''
    g:switchboard_model = name
  endif
  var shown = 'model ' .. (Option('model') == '' ? '(the daemon default)' : Option('model'))
  if bang || name != '' || !Connect()
    Info(shown)
    return
  endif
  var params: dict<any> = Option('profile') == '' ? {} : {profile: Option('profile')}
  Request('models.list', params, function(ModelsListed, [shown]))
enddef

def ModelsListed(shown: string, channel: channel, response: dict<any>)
  if has_key(response, 'error')
    Error(response.error.message)
    return
  endif
  Info(shown .. '; the upstream offers: ' .. join(mapnew(response.result.data, (_, m) => m.id), ', '))
enddef

# :SwitchboardProfile [name]: uses profile `name` once the daemon confirmed it knows it (! resets).
export def Profile(name: string, bang: bool)
  if name == ''
    if bang
      g:switchboard_profile = ''
    endif
    Info('profile ' .. (Option('profile') == '' ? '(the daemon default)' : Option('profile')))
    return
  endif
  if Connect()
    Request('config.get', {profile: name}, function(ProfileChecked, [name]))
  endif
enddef

def ProfileChecked(name: string, channel: channel, response: dict<any>)
  if has_key(response, 'error')
    Error(response.error.message)
  else
    g:switchboard_profile = name
    Info('profile ' .. name)
  endif
enddef

# {busy, last, job}: whether a request is in flight, how the last one ended, the daemon's job.
export def Status(): dict<any>
  return {busy: !empty(current), last: last, job: empty(daemon) ? v:null : daemon.job}
enddef
