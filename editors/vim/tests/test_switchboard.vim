vim9script
# Tests of switchboard.vim, run by tests/run in Vim's silent Ex mode against the real daemon
# ($SWITCHBOARD_BIN) and the echo upstream ($OPENAI_BASE_URL). Results go to
# $SWITCHBOARD_RESULTS; Vim exits 0 (qall!) when every case passed, 1 (cquit) otherwise.

const results_file = $SWITCHBOARD_RESULTS
const channel_log = results_file .. '.channel'
const key = $OPENAI_API_KEY
var output: list<string> = []
var passed = 0
var failed = 0

def Out(line: string)
  output->add(line)
  writefile(output, results_file)
enddef

g:switchboard_cmd = [$SWITCHBOARD_BIN]
g:switchboard_config = {profiles: {echo2: {default_model: 'profile-model-x'}}}
g:switchboard_window = 'botright split'
g:switchboard_error_popup = 0
# every message on the channel, to check what the plugin sent
ch_logfile(channel_log, 'w')

runtime plugin/switchboard.vim
import autoload 'switchboard.vim'

def Check(good: bool, what: string)
  if !good
    throw 'check failed: ' .. what
  endif
enddef

def Eq(actual: any, expected: any, what: string)
  Check(actual == expected && type(actual) == type(expected),
    printf('%s: expected %s, got %s', what, string(expected), string(actual)))
enddef

# Waits up to `ms` for Condition() to be true, letting channel callbacks run.
def WaitFor(Condition: func(): bool, ms: number): bool
  var waited = 0
  while !Condition() && waited < ms
    sleep 10m
    waited += 10
  endwhile
  return Condition()
enddef

def WaitDone(what: string): dict<any>
  Check(WaitFor(() => !switchboard.Status().busy, 15000), what .. ': the request did not finish within 15 s')
  return switchboard.Status().last
enddef

def ChatLines(): list<string>
  return getbufline(switchboard.ChatBuffer(), 1, '$')
enddef

# The lines of the last "## Assistant" block.
def LastAnswer(): list<string>
  var lines = ChatLines()
  var i = len(lines) - 1
  while i >= 0 && lines[i] != '## Assistant'
    i -= 1
  endwhile
  Check(i >= 0, 'no "## Assistant" block: ' .. string(lines))
  return lines[i + 1 :]
enddef

def Messages(): string
  return execute('messages')
enddef

# The last chat.complete request written on the channel (from the channel log).
def LastSentChat(): string
  var found = ''
  for line in readfile(channel_log)
    if line =~ '"method":"chat.complete"'
      found = line
    endif
  endfor
  Check(found != '', 'no chat.complete in the channel log')
  return found
enddef

def RecordPid()
  writefile([string(job_info(switchboard.Status().job).process)], results_file .. '.pids', 'a')
enddef

def Case(name: string, Body: func())
  messages clear
  try
    Body()
    passed += 1
    Out('PASS ' .. name)
  catch
    failed += 1
    Out('FAIL ' .. name)
    Out('  ' .. v:exception .. ' (' .. v:throwpoint .. ')')
  endtry
enddef

# --- cases ---------------------------------------------------------------------------------

var streamed: list<string> = []
def RecordState()
  var lines = ChatLines()
  streamed->add(lines[-1])
enddef

def TestStreaming()
  streamed = []
  augroup switchboard_test
    autocmd!
    autocmd User SwitchboardDelta RecordState()
  augroup END
  Switchboard hello streaming world
  RecordPid()
  var last = WaitDone('chat')
  autocmd! switchboard_test
  Eq(last.outcome, 'done', 'outcome')
  Eq(last.result.choices[0].message.content, 'echo: hello streaming world', 'the final result')
  Eq(LastAnswer(), ['echo: hello streaming world'], 'the answer in the buffer')
  Eq(ChatLines()[0 : 1], ['## You', 'hello streaming world'], 'the question in the buffer')
  # each streamed state of the answer line extends the one before
  Check(len(streamed) >= 9, 'expected at least 9 deltas, saw ' .. string(streamed))
  for i in range(1, len(streamed) - 1)
    Check(stridx(streamed[i], streamed[i - 1]) == 0 && len(streamed[i]) > len(streamed[i - 1]), 'out of order: ' .. string(streamed))
  endfor
  Eq(streamed[-1], 'echo: hello streaming world', 'the last streamed state')
enddef

def TestSelection()
  enew
  setlocal filetype=lua
  setline(1, ['local x = 1', 'return x', 'unused'])
  execute "normal! ggVj\<Esc>"
  :'<,'>Switchboard
  Eq(WaitDone('selection').outcome, 'done', 'outcome')
  Eq(LastAnswer(), ['echo: local x = 1', 'return x'], 'the selection as the prompt')
  :'<,'>Switchboard Explain this
  Eq(WaitDone('selection + prompt').outcome, 'done', 'outcome')
  Eq(LastAnswer(), ['echo: Explain this', '', '```lua', 'local x = 1', 'return x', '```'], 'prompt + selection')
enddef

def TestDescribeImage()
  execute 'SwitchboardDescribeImage ' .. fnameescape($SWITCHBOARD_TEST_PNG)
  var last = WaitDone('describe')
  Eq(last.outcome, 'done', 'outcome')
  Eq(last.result.text, 'echo: Describe this image. [1 image]', 'result.text')
  Eq(LastAnswer(), ['echo: Describe this image. [1 image]'], 'the buffer')
enddef

def TestModelAndProfile()
  SwitchboardModel gpt-4o
  Switchboard which model
  Eq(WaitDone('model').result.model, 'gpt-4o', 'model after :SwitchboardModel gpt-4o')
  SwitchboardModel!
  SwitchboardProfile echo2
  Check(WaitFor(() => get(g:, 'switchboard_profile', '') == 'echo2', 5000), 'profile echo2 was not accepted: ' .. Messages())
  Switchboard which profile
  Eq(WaitDone('profile').result.model, 'profile-model-x', 'model from profile echo2')
  SwitchboardProfile nosuch
  Check(WaitFor(() => Messages() =~ 'unknown profile "nosuch"', 5000), 'no error for an unknown profile: ' .. Messages())
  Eq(g:switchboard_profile, 'echo2', 'the profile is unchanged')
  SwitchboardProfile!
  Eq(g:switchboard_profile, '', 'the profile after :SwitchboardProfile!')
enddef

def TestCancel()
  var full = 'echo: SLOW count slowly please'
  Switchboard SLOW count slowly please
  Check(WaitFor(() => len(get(LastAnswer(), 0, '')) >= 9, 10000), 'the slow stream did not start')
  SwitchboardCancel
  var last = WaitDone('cancel')
  Eq(last.outcome, 'cancelled', 'outcome')
  Eq(last.error.code, -32800, 'the daemon''s error code')
  Eq(last.error.data.reason, 'cancelled', 'data.reason')
  var answer = LastAnswer()
  Eq(len(answer), 2, 'answer lines: ' .. string(answer))
  Eq(answer[1], '[cancelled]', 'the note')
  Check(stridx(full, answer[0]) == 0 && len(answer[0]) < len(full), 'partial answer: ' .. answer[0])
  Eq(last.error.data.partial.choices[0].message.content, answer[0], 'data.partial is what the buffer shows')
  var before = ChatLines()
  sleep 1
  Eq(ChatLines(), before, 'the buffer one second after the cancellation')
enddef

def TestError()
  Switchboard FAIL401 please
  var last = WaitDone('401')
  Eq(last.outcome, 'error', 'outcome')
  Eq(last.error.code, -32001, 'code')
  var messages = Messages()
  Check(messages =~ 'switchboard: upstream HTTP 401: Incorrect API key provided', 'messages: ' .. messages)
  Check(stridx(messages, key) == -1, 'the key is in the messages')
  Check(LastAnswer()[0] =~ '^\[error -32001: upstream HTTP 401', 'buffer: ' .. string(LastAnswer()))
enddef

def TestLeave()
  var job = switchboard.Status().job
  Eq(job_status(job), 'run', 'the daemon before VimLeavePre')
  doautocmd VimLeavePre
  Eq(job_status(job), 'dead', 'the daemon after VimLeavePre')
  # 0 is the code of exit after shutdown (1 without), while Vim still holds its stdin open
  Eq(job_info(job).exitval, 0, 'exit code')
  Eq(switchboard.Status().job, v:null, 'the plugin''s daemon')
enddef

def TestRestartWithContext()
  Switchboard again
  Eq(WaitDone('restart').outcome, 'done', 'outcome')
  RecordPid() # tests/run checks this one is gone once Vim has quit
  var sent = LastSentChat()
  Check(sent =~ '{"role":"assistant","content":"echo: hello streaming world"}\|{"content":"echo: hello streaming world","role":"assistant"}', 'earlier answer missing: ' .. sent)
  Check(sent =~ '"echo: SLO', 'the cancelled partial answer is missing: ' .. sent)
  Check(sent !~ 'FAIL401', 'the failed question was sent again: ' .. sent)
enddef

def TestNewConversation()
  Switchboard! fresh start
  Eq(WaitDone('new').outcome, 'done', 'outcome')
  Eq(ChatLines(), ['## You', 'fresh start', '', '## Assistant', 'echo: fresh start'], 'the chat buffer')
  Check(LastSentChat() =~ '"messages":\[{[^]]*"fresh start"[^]]*}\]', 'messages: ' .. LastSentChat())
enddef

Case('streamed chat fills the buffer in order and completes', TestStreaming)
Case('a visual selection is the prompt, or context after the prompt', TestSelection)
Case('describe image streams the description', TestDescribeImage)
Case('model and profile selection reach the request', TestModelAndProfile)
Case('cancel stops a slow stream: -32800 and [cancelled]', TestCancel)
Case('an upstream 401 is reported as an error message', TestError)
var transcript = ChatLines()
Case('VimLeavePre shuts the daemon down (shutdown, exit: code 0)', TestLeave)
Case('a request after the shutdown starts a new daemon, with the conversation as context', TestRestartWithContext)
Case(':Switchboard! starts a new conversation', TestNewConversation)

Out(printf('vim: %d passed, %d failed', passed, failed))
Out('chat buffer before the new conversation:')
for line in transcript
  Out('  | ' .. line)
endfor
if failed > 0
  cquit 1
endif
qall!
