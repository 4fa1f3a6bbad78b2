vim9script
# The daemon, run as a job whose channel is in "lsp" mode: Vim writes and reads the
# Content-Length framing, numbers the requests and routes each response to its callback;
# notifications (chat.delta) go to the handler set with OnNotification(), the daemon's requests
# (tool.approve) to the one set with OnRequest(), which answers them with Respond(); unknown
# requests are answered -32601. Started on first use,
# restarted when g:switchboard_cmd or g:switchboard_config change, stopped when Vim exits.

import autoload 'switchboard/options.vim'

# the running daemon: {job, channel, stderr, started_with}; empty when none
var daemon: dict<any> = {}
var NotificationHandler: func = (_) => 0
var ExitHandler: func = (_) => 0
# set at the end of the file, once the functions it calls are defined
var RequestHandler: func


# `Handler(message)` gets each notification from the daemon.
export def OnNotification(Handler: func)
  NotificationHandler = Handler
enddef

# `Handler(code)` runs when a daemon exits (its requests in flight will not be answered).
export def OnExit(Handler: func)
  ExitHandler = Handler
enddef

def Exited(job: job, code: number)
  ExitHandler(code)
enddef

def OnMessage(channel: channel, message: any)
  Dispatch(message)
enddef

# Routes a message from the daemon: a request to the OnRequest() handler, a notification to the
# OnNotification() one.
export def Dispatch(message: any)
  if type(message) == v:t_dict && has_key(message, 'method') && has_key(message, 'id')
    RequestHandler(message)
  elseif type(message) == v:t_dict && has_key(message, 'method')
    NotificationHandler(message)
  endif
enddef

def OnStderr(channel: channel, line: string)
  # the daemon's last 50 stderr lines (its warnings and errors), kept for debugging
  if !empty(daemon)
    daemon.stderr = (daemon.stderr + [line])[-50 :]
  endif
enddef

# What a running daemon depends on: its argv and its initial configuration layer.
def Identity(): string
  return string([options.Command(), options.Get('config')])
enddef

export def Running(): bool
  return !empty(daemon) && job_status(daemon.job) == 'run'
enddef

# Starts the daemon when it is not running (restarting one started with other settings) and
# sends `initialize`. False (after an error message) when it cannot start.
export def Connect(): bool
  if Running() && daemon.started_with == Identity()
    return true
  endif
  Shutdown()
  var cmd = options.Command()
  if !executable(cmd[0])
    options.Error(printf('the daemon "%s" is not an executable (build it, or set g:switchboard_cmd)', cmd[0]))
    return false
  endif
  var job = job_start(cmd, {in_mode: 'lsp', out_mode: 'lsp', err_mode: 'nl', noblock: true,
    out_cb: OnMessage, err_cb: OnStderr, exit_cb: Exited})
  if job_status(job) != 'run'
    options.Error('could not start ' .. cmd[0])
    return false
  endif
  daemon = {job: job, channel: job_getchannel(job), stderr: [], started_with: Identity()}
  var params: dict<any> = {client_info: {name: 'switchboard.vim', version: '0.2.0'}}
  if !empty(options.Get('config'))
    params.config = options.Get('config')
  endif
  var answer = ch_evalexpr(daemon.channel, {method: 'initialize', params: params}, {timeout: options.Get('timeout_ms')})
  if type(answer) != v:t_dict || !has_key(answer, 'result')
    options.Error('the daemon did not initialize: ' .. string(type(answer) == v:t_dict ? get(answer, 'error', answer) : answer))
    Shutdown()
    return false
  endif
  ch_sendexpr(daemon.channel, {method: 'initialized'})
  return true
enddef

# Sends a request (the daemon must be connected); `Callback(channel, response)` gets the whole
# response message. Returns the request id.
export def Request(method: string, params: dict<any>, Callback: func): number
  return ch_sendexpr(daemon.channel, {method: method, params: params}, {callback: Callback}).id
enddef

# Sends a request and waits (up to the timeout) for its response, for completion functions; {}
# when the daemon cannot start or does not answer in time.
export def RequestWait(method: string, params: dict<any>): dict<any>
  if !Connect()
    return {}
  endif
  var answer: dict<any> = {}
  Request(method, params, (_, response) => {
    answer = response
  })
  var waited = 0
  while empty(answer) && waited < options.Get('timeout_ms')
    sleep 10m
    waited += 10
  endwhile
  return answer
enddef

export def Cancel(id: number)
  if Running()
    ch_sendexpr(daemon.channel, {method: '$/cancelRequest', params: {id: id}})
  endif
enddef

# Stops the daemon: `shutdown`, then `exit`; terminated if still running after the timeout.
# Returns the job that ran (or v:null).
export def Shutdown(): any
  if empty(daemon)
    return v:null
  endif
  var job = daemon.job
  var timeout = options.Get('timeout_ms')
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

# The daemon's job (v:null when none runs).
export def Job(): any
  return empty(daemon) ? v:null : daemon.job
enddef

# Answers the daemon's request `id` with `result`, or with `error` when it is not empty. Framed
# by hand: the channel's ch_sendexpr() takes numeric ids only, and the daemon's are strings.
export def Respond(id: any, result: any, error: dict<any> = {})
  if Running()
    var body = json_encode(empty(error) ? {jsonrpc: '2.0', id: id, result: result} : {jsonrpc: '2.0', id: id, error: error})
    ch_sendraw(daemon.channel, printf("Content-Length: %d\r\n\r\n%s", strlen(body), body))
  endif
enddef

def NotFound(message: dict<any>)
  Respond(message.id, v:null, {code: -32601, message: 'method not found: ' .. message.method})
enddef

RequestHandler = NotFound

# `Handler(message)` gets each request from the daemon (a message with `id` and `method`) and
# answers it with Respond().
export def OnRequest(Handler: func)
  RequestHandler = Handler
enddef
