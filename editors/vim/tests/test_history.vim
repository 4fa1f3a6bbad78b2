vim9script
# History: chats kept in the daemon's conversation store (conversation_id "new", then the id the
# daemon gives), reopened with :SwitchboardHistory (a picker over conversations.list) and
# continued; retry; the tokens each answer used.

g:switchboard_cmd = [$SWITCHBOARD_BIN]
g:switchboard_window = 'botright split'
g:switchboard_error_popup = 0
g:switchboard_autosave_dir = ''
runtime plugin/switchboard.vim

import autoload 'switchboard.vim'
import autoload 'switchboard/chat.vim'
import autoload 'switchboard/daemon.vim'
import autoload 'switchboard/history.vim'
import './helpers.vim' as t

def TypeAndSend(text: string)
  normal! G
  setline('$', text)
  t.Feed("\<CR>")
enddef

# Waits until a chat other than `before` is the current buffer (one opened from history).
def WaitOpened(before: number): number
  t.Check(t.WaitFor(() => bufnr() != before && chat.IsChat(bufnr()), 5000), 'no chat opened')
  return bufnr()
enddef

var first_id = ''

def TestStored()
  SwitchboardNew
  var buf = bufnr()
  TypeAndSend('What is a monad?')
  t.Eq(t.WaitDone('first').outcome, 'done', 'outcome')
  t.Eq(t.LastRequest().messages, [{role: 'user', content: 'What is a monad?'}], 'the first question')
  first_id = chat.ConversationId(buf)
  t.Check(first_id =~ '^conv_', 'the id: ' .. first_id)
  TypeAndSend('And in plain words?')
  t.Eq(t.WaitDone('second').outcome, 'done', 'outcome')
  t.Eq(chat.ConversationId(buf), first_id, 'the same conversation')
  t.Eq(t.LastRequest().messages, [
    {role: 'user', content: 'What is a monad?'},
    {role: 'assistant', content: 'echo: What is a monad?'},
    {role: 'user', content: 'And in plain words?'}], 'the daemon sent the stored history')
enddef

def TestUsage()
  var headings = filter(range(1, line('$')), (_, lnum) => getline(lnum) == '## Assistant')
  t.Eq(len(headings), 2, 'two answers')
  for lnum in headings
    t.Eq(prop_list(lnum)->filter((_, p) => p.type == 'switchboard_usage')->len(), 1, 'a usage note on line ' .. lnum)
  endfor
  var usage = switchboard.Status().last.usage
  t.Check(usage.total_tokens > 0, 'the outcome has the usage: ' .. string(usage))
  t.Eq(chat.UsageNote(usage), printf('%d tokens (%d in, %d out)', usage.total_tokens, usage.prompt_tokens, usage.completion_tokens), 'the note')
  t.Eq(chat.UsageNote(v:null), '', 'no usage, no note')
enddef

def TestPick()
  var offered: list<string> = []
  history.SetChooser((labels, Picked) => {
    offered = labels
    Picked(0)
  })
  var before = bufnr()
  SwitchboardHistory
  var buf = WaitOpened(before)
  t.Check(offered[0] =~ '^What is a monad?  · \d\{4}-', string(offered))
  t.Eq(chat.ConversationId(buf), first_id, 'it continues the conversation')
  t.Eq(getline(1, '$'), ['## You', 'What is a monad?', '', '## Assistant', 'echo: What is a monad?', '', '## You',
    'And in plain words?', '', '## Assistant', 'echo: And in plain words?', '', '## You', ''], 'the chat')
  t.Eq(line('.'), line('$'), 'the cursor in the input')
  TypeAndSend('Once more')
  t.Eq(t.WaitDone('continued').outcome, 'done', 'outcome')
  var messages = t.LastRequest().messages
  t.Eq(len(messages), 5, 'the whole history went along')
  t.Eq(messages[4], {role: 'user', content: 'Once more'}, 'the question')
  t.Eq(chat.ConversationId(buf), first_id, 'the same conversation')
  history.SetChooser((labels, Picked) => Picked(-1))
  before = bufnr()
  SwitchboardHistory
  sleep 300m
  t.Eq(bufnr(), before, 'nothing picked, nothing opened')
enddef

def TestToolRunReopened()
  g:switchboard_tools = 1
  SwitchboardNew
  var buf = bufnr()
  TypeAndSend('a TOOL run')
  t.Eq(t.WaitDone('agent run').outcome, 'done', 'outcome')
  g:switchboard_tools = 0
  var opened = -2
  history.Open(chat.ConversationId(buf), (b) => {
    opened = b
  })
  t.Check(t.WaitFor(() => opened != -2, 5000), 'not opened')
  t.Eq(getbufline(opened, 1, '$'), ['## You', 'a TOOL run', '', '## Assistant', '> [tool] read_file … called',
    '>   arguments: {"text":"a TOOL run"}', '>   result: no path given', 'echo: no path given', '', '## You', ''], 'the chat')
  t.Eq(history.Render([{role: 'user', content: 'q'}, {role: 'assistant', content: "```py\nx", status: 'cancelled'}]),
    ['## You', 'q', '', '## Assistant', '```py', 'x', '```', '[cancelled]', '', '## You', ''], 'a cancelled answer, its fence closed')
enddef

# An assistant turn that calls read_file on `path` under id call_1, then answers.
def CallOnce(path: string, result: string): list<dict<any>>
  var call = {id: 'call_1', type: 'function', function: {name: 'read_file', arguments: json_encode({path: path})}}
  return [{role: 'assistant', content: '', tool_calls: [call]}, {role: 'tool', tool_call_id: 'call_1', content: result},
    {role: 'assistant', content: 'read ' .. path}]
enddef

def TestRepeatedCallId()
  var messages = [{role: 'user', content: 'first'}] + CallOnce('a', 'A') + [{role: 'user', content: 'second'}] + CallOnce('b', 'B')
  t.Eq(history.Render(messages), ['## You', 'first', '', '## Assistant', '> [tool] read_file … called',
    '>   arguments: {"path":"a"}', '>   result: A', 'read a', '', '## You', 'second', '', '## Assistant',
    '> [tool] read_file … called', '>   arguments: {"path":"b"}', '>   result: B', 'read b', '', '## You', ''], 'the chat')
enddef

def TestChangedElsewhere()
  var buf = bufnr()
  var id = chat.ConversationId(buf)
  # another daemon, sharing the store (the same XDG_DATA_HOME), renames it
  var answer = system(shellescape($SWITCHBOARD_BIN), json_encode({jsonrpc: '2.0', id: 1, method: 'conversations.rename',
    params: {id: id, title: 'renamed'}}) .. "\n")
  t.Check(answer =~ '"result"', 'the other daemon: ' .. answer)
  var listed = daemon.RequestWait('conversations.list', {})
  t.Check(has_key(listed, 'result'), 'no list: ' .. string(listed))
  t.Check(t.Messages() =~ 'its conversation changed elsewhere', 'the note: ' .. t.Messages())
enddef

def TestRetry()
  var buf = bufnr()
  var before = chat.ConversationId(buf)
  SwitchboardRetry
  t.Eq(t.WaitDone('retry').outcome, 'done', 'outcome')
  var after = chat.ConversationId(buf)
  t.Check(after =~ '^conv_' && after != before, 'a new conversation: ' .. after)
  t.Eq(getline(line('$') - 3), 'echo: a TOOL run', 'answered again (tools are off now)')
  t.Eq(t.LastRequest().messages, [{role: 'user', content: 'a TOOL run'}], 'the question, sent whole')
enddef

def TestCancelledFirst()
  SwitchboardNew
  var buf = bufnr()
  TypeAndSend('SLOW cancel me')
  t.Check(t.WaitFor(() => getline('$') =~ 'echo'), 'the stream did not start')
  t.Feed("\<C-c>")
  t.Eq(t.WaitDone('cancelled').outcome, 'cancelled', 'outcome')
  t.Check(chat.ConversationId(buf) =~ '^conv_', 'the id from data.partial: ' .. chat.ConversationId(buf))
enddef

def TestStoreOff()
  g:switchboard_store = 0
  SwitchboardNew
  var buf = bufnr()
  TypeAndSend('not stored')
  t.Eq(t.WaitDone('unstored').outcome, 'done', 'outcome')
  t.Eq(chat.ConversationId(buf), '', 'no id')
  g:switchboard_store = 1
enddef

def TestStoreUnusable()
  g:switchboard_config = {store: false}
  SwitchboardNew
  var buf = bufnr()
  TypeAndSend('store is off')
  t.Check(t.WaitFor(() => getbufline(buf, 1, '$') == ['## You', 'store is off', '', '## Assistant', 'echo: store is off', '', '## You', '']
    && !switchboard.Status().busy), 'no answer after the resend: ' .. string(getbufline(buf, 1, '$')))
  t.Eq(len(split(t.Messages(), "\n")->filter((_, l) => l =~ 'store cannot be used')), 1, 'noted once')
  t.Eq(chat.ConversationId(buf), '', 'no id')
  t.Eq(chat.Storing(), false, 'not stored for the session')
  g:switchboard_config = {}
enddef

t.Case('a new chat starts a stored conversation and keeps its id for the next questions', TestStored)
t.Case('the tokens an answer used are shown after its heading', TestUsage)
t.Case(':SwitchboardHistory picks a conversation; it opens as a chat that continues it', TestPick)
t.Case('an agent run reopened from history shows its tool calls as records', TestToolRunReopened)
t.Case('a call id used again in a later turn: each call shows its own result', TestRepeatedCallId)
t.Case('a chat whose conversation another process changed is told so', TestChangedElsewhere)
t.Case(':SwitchboardRetry asks the last question again in a new stored conversation, sent whole', TestRetry)
t.Case('a first question cancelled keeps the conversation the daemon stored it in', TestCancelledFirst)
t.Case('g:switchboard_store = 0: no conversation_id is sent', TestStoreOff)
t.Case('a daemon whose store is off (-32008): noted once, the question asked again unstored', TestStoreUnusable)
t.Finish('history')
