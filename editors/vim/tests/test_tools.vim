vim9script
# Chats with tools (g:switchboard_tools): they run through agent.run; each tool.call notification
# is written into the answer as a record ("> [tool] NAME … STATUS" and its details), rewritten as
# the status changes; tool.approve is answered from g:SwitchboardApprove (else confirm());
# other requests of the daemon get -32601. So that no MCP server is needed, the daemon's
# notifications and requests are fed in as it sends them, during a real (slow) run.

g:switchboard_cmd = [$SWITCHBOARD_BIN]
g:switchboard_window = 'botright split'
g:switchboard_error_popup = 0
g:switchboard_autosave_dir = ''
g:switchboard_tools = 1
runtime plugin/switchboard.vim

import autoload 'switchboard.vim'
import autoload 'switchboard/daemon.vim'
import autoload 'switchboard/stream.vim'
import './helpers.vim' as t

var approvals: list<dict<any>> = []

def Approve(params: dict<any>): bool
  approvals->add(params)
  return params.name == 'time__now'
enddef

def TestRecords()
  switchboard.Chat()
  normal! G
  setline('$', 'SLOW what time is it')
  t.Feed("\<CR>")
  t.Check(t.WaitFor(() => getline('$') =~ 'echo'), 'the answer did not start: ' .. string(getline(1, '$')))
  var id = stream.InFlight(bufnr())[0]
  var call = {request_id: id, call_id: 'c1', name: 'time__now', server: 'time', arguments: {timezone: 'Europe/Paris'}, status: 'pending'}
  daemon.Dispatch({jsonrpc: '2.0', method: 'tool.call', params: call})
  g:SwitchboardApprove = Approve
  daemon.Dispatch({jsonrpc: '2.0', id: 'sb-1', method: 'tool.approve', params: call})
  daemon.Dispatch({jsonrpc: '2.0', id: 'sb-2', method: 'tool.approve', params: extendnew(call, {name: 'time__zone'})})
  daemon.Dispatch({jsonrpc: '2.0', id: 'sb-3', method: 'editor.unknown', params: {}})
  daemon.Dispatch({jsonrpc: '2.0', method: 'tool.call', params: extendnew(call, {status: 'completed', result: "12:00\nParis"})})
  t.Eq(t.WaitDone('the run').outcome, 'done', 'outcome')
  var lines = getline(1, '$')
  var first = index(lines, '> [tool] time__now … completed')
  t.Check(first > 3, 'the record, its status updated: ' .. string(lines))
  t.Eq(lines[first + 1 : first + 4], ['>   arguments: {"timezone":"Europe/Paris"}', '>   result:', '>     12:00', '>     Paris'],
    'its details')
  t.Eq(len(filter(copy(lines), (_, l) => l =~ '^> \[tool\]')), 1, 'one record for the call')
  t.Eq(mapnew(approvals, (_, p) => p.name), ['time__now', 'time__zone'], 'asked for each call')
  t.Eq(t.LastRequest().messages[-1].content, 'SLOW what time is it', 'the question went through agent.run')
  unlet g:SwitchboardApprove
enddef

def TestRecordLines()
  t.Eq(stream.ToolRecord({name: 'read', status: 'failed', arguments: {path: 'a'}, result: 'no such file'}),
    ['> [tool] read … failed', '>   arguments: {"path":"a"}', '>   result: no such file'], 'a record')
enddef

t.Case('tool calls are recorded in the answer, their status updated; tool.approve asks', TestRecords)
t.Case('a tool call record', TestRecordLines)
t.Finish('tools')
