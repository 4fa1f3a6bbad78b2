vim9script
# What the test files share: assertions, waits, keys, and the echo upstream's log (GET /echo/log:
# what the daemon sent it). tests/run runs each test file in its own Vim (silent Ex mode, where
# job and channel callbacks run while a test waits in `sleep`), against $SWITCHBOARD_BIN; the
# results go to $SWITCHBOARD_RESULTS.

import autoload 'switchboard.vim'

export const key = $OPENAI_API_KEY
var output: list<string> = []
var passed = 0
var failed = 0

export def Out(line: string)
  output->add(line)
  writefile(output, $SWITCHBOARD_RESULTS)
enddef

export def Check(good: bool, what: string)
  if !good
    throw 'check failed: ' .. what
  endif
enddef

export def Eq(actual: any, expected: any, what: string)
  Check(type(actual) == type(expected) && actual == expected,
    printf('%s: expected %s, got %s', what, string(expected), string(actual)))
enddef

# Waits up to `ms` for Condition() to be true, letting channel callbacks run.
export def WaitFor(Condition: func(): bool, ms: number = 10000): bool
  var waited = 0
  while !Condition() && waited < ms
    sleep 10m
    waited += 10
  endwhile
  return Condition()
enddef

export def WaitDone(what: string): dict<any>
  Check(WaitFor(() => !switchboard.Status().busy, 15000), what .. ': the request did not finish within 15 s')
  return switchboard.Status().last
enddef

# Types `keys` as the user would, mappings included.
export def Feed(keys: string)
  feedkeys(keys, 'mx')
enddef

export def Messages(): string
  return execute('messages')
enddef

# GET /echo/log from the echo upstream, over a connection of its own.
def Log(): dict<any>
  var address = matchstr($OPENAI_BASE_URL, '^http://\zs[^/]\+')
  var channel = ch_open(address, {mode: 'raw', waittime: 5000})
  ch_sendraw(channel, "GET /echo/log HTTP/1.1\r\nHost: " .. address .. "\r\nConnection: close\r\n\r\n")
  var answer = ''
  var waited = 0
  while waited < 5000
    var part = ch_readraw(channel, {timeout: 100})
    answer ..= part
    if part == '' && ch_status(channel) != 'open'
      break
    endif
    waited += 100
  endwhile
  return json_decode(matchstr(answer, "\r\n\r\n\\zs\\_.*"))
enddef

# The bodies of the chat completion requests the upstream received, oldest first.
export def ChatRequests(): list<dict<any>>
  return Log().requests->filter((_, r) => r.method == 'POST' && r.path =~ '/chat/completions$')->map((_, r) => r.body)
enddef

export def LastRequest(): dict<any>
  return ChatRequests()[-1]
enddef

export def Case(name: string, Body: func())
  messages clear
  try
    Body()
    var errors = split(execute('messages'), "\n")->filter((_, line) => line =~ '^E\d\+:')
    Check(empty(errors), 'Vim reported errors: ' .. string(errors))
    passed += 1
    Out('PASS ' .. name)
  catch
    failed += 1
    Out('FAIL ' .. name)
    Out('  ' .. v:exception .. ' (' .. v:throwpoint .. ')')
  endtry
enddef

# Reports the counts and quits Vim: exit code 0 when every case passed. Records the running
# daemon's pid for tests/run, which checks it is gone once Vim has exited.
export def Finish(file: string)
  var job = switchboard.Status().job
  if job != v:null && job_status(job) == 'run'
    writefile([string(job_info(job).process)], $SWITCHBOARD_RESULTS .. '.pids', 'a')
  endif
  Out(printf('%s: %d passed, %d failed', file, passed, failed))
  if failed > 0
    cquit 1
  endif
  qall!
enddef
