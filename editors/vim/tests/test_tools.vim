vim9script
# Chats with tools (g:switchboard_tools): they run through agent.run; each tool.call notification
# is written into the answer as a record ("> [tool] NAME … STATUS" and its details), rewritten as
# the status changes; tool.approve is answered from g:SwitchboardApprove (else confirm());
# other requests of the daemon get -32601. So that no MCP server is needed, the daemon's
# notifications and requests are fed in as it sends them, during a real (slow) run.
# The editor's tools (read_file, list_files, search, propose_edit) keep to the project; the echo
# upstream calls the request's first tool with {"text": <message>} when the message holds TOOL,
# then answers "echo: <the tool's result>".

g:switchboard_cmd = [$SWITCHBOARD_BIN]
g:switchboard_window = 'botright split'
g:switchboard_error_popup = 0
g:switchboard_autosave_dir = ''
g:switchboard_tools = 1
runtime plugin/switchboard.vim

import autoload 'switchboard.vim'
import autoload 'switchboard/daemon.vim'
import autoload 'switchboard/stream.vim'
import autoload 'switchboard/tools.vim'
import autoload 'switchboard/rewrite.vim'
import './helpers.vim' as t

# a project: a git root with files, the working directory inside it
var project = tempname()
mkdir(project .. '/.git', 'p')
mkdir(project .. '/src/deep', 'p')
writefile(['local answer = 42', 'return answer'], project .. '/src/main.lua')
writefile(['the needle is here'], project .. '/src/deep/notes.txt')
writefile(['secret outside'], project .. '.outside')
writefile(0z610062, project .. '/blob.bin')
system('ln -s ' .. shellescape(project .. '.outside') .. ' ' .. shellescape(project .. '/link-out'))
execute 'cd ' .. fnameescape(project .. '/src')
project = resolve(project)

# Runs tool `name` and returns its answer: [text, is_error].
def Run(name: string, arguments: dict<any>): list<any>
  var answer: list<any> = []
  tools.Run(name, arguments, (text, is_error) => {
    answer = [text, is_error]
  })
  return answer
enddef

var approvals: list<dict<any>> = []

def Approve(params: dict<any>): bool
  approvals->add(params)
  return params.name == 'time__now'
enddef

def TestRecords()
  SwitchboardNew
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

def TestEditorTools()
  SwitchboardNew
  normal! G
  setline('$', 'use a TOOL please')
  var earlier = len(t.ChatRequests())
  t.Feed("\<CR>")
  t.Eq(t.WaitDone('agent run').outcome, 'done', 'outcome')
  var lines = getline(1, '$')
  var first = index(lines, 'use a TOOL please')
  t.Eq(lines[first :], ['use a TOOL please', '', '## Assistant', '> [tool] read_file … failed',
    '>   arguments: {"text":"use a TOOL please"}', '>   result: no path given', 'echo: no path given', '', '## You', ''], 'the chat')
  var offered = t.ChatRequests()[earlier].tools->mapnew((_, tool) => tool.function.name)
  t.Eq(offered, ['read_file', 'list_files', 'search', 'propose_edit'], 'the editor tools offered')
  t.Eq(t.ChatRequests()[earlier].tools[3].function.parameters.required, ['path', 'start_line', 'end_line', 'replacement'], 'a schema')
  t.Eq(stream.Executing(), [], 'tool.execute answered')
  g:switchboard_tools = ['search', 'read_file']
  t.Eq(tools.Offered()->mapnew((_, tool) => tool.function.name), ['search', 'read_file'], 'a named list')
  g:switchboard_tools = 1
enddef

def TestReadFile()
  t.Eq(Run('read_file', {path: 'src/main.lua'}), ["local answer = 42\nreturn answer\n", false], 'a file, relative to the project root')
  execute 'edit ' .. project .. '/src/main.lua'
  setline(1, 'local answer = 43')
  t.Eq(Run('read_file', {path: 'src/main.lua'}), ["local answer = 43\nreturn answer\n", false], 'the unsaved buffer')
  silent! bwipeout!
  for path in ['../' .. fnamemodify(project, ':t') .. '.outside', project .. '.outside', '/etc/passwd', 'link-out', '../../etc/passwd']
    var [text, is_error] = Run('read_file', {path: path})
    t.Check(is_error && text =~ 'outside the project', path .. ': ' .. text)
  endfor
  var [text, is_error] = Run('read_file', {path: 'blob.bin'})
  t.Check(is_error && text =~ 'binary', 'a binary file: ' .. text)
  [text, is_error] = Run('read_file', {path: 'missing.txt'})
  t.Check(is_error && text =~ 'no file', 'a missing file: ' .. text)
  [text, is_error] = Run('read_file', {})
  t.Eq([text, is_error], ['no path given', true], 'no path')
  t.Eq(Run('no_such_tool', {}), ['no tool no_such_tool in this editor', true], 'an unknown tool')
enddef

def TestListAndSearch()
  var listing = split(Run('list_files', {path: '.'})[0], "\n")
  t.Check(index(listing, 'src/main.lua') >= 0 && index(listing, 'src/deep/notes.txt') >= 0, string(listing))
  t.Check(empty(filter(copy(listing), (_, p) => p =~ '^\.git')), 'no .git: ' .. string(listing))
  var max = tools.MAX_FILES
  tools.MAX_FILES = 1
  var bounded = split(Run('list_files', {path: '.'})[0], "\n")
  tools.MAX_FILES = max
  t.Eq(len(bounded), 2, 'one file and a note: ' .. string(bounded))
  t.Check(bounded[1] =~ 'only the first 1', bounded[1])
  t.Eq(Run('list_files', {path: '/'})[1], true, 'the root folder is outside the project')
  t.Eq(Run('search', {query: 'needle'}), ['src/deep/notes.txt:1:the needle is here', false], 'a match as path:line:text')
  t.Eq(Run('search', {query: 'nowhere-to-be-found'}), ['no match for nowhere-to-be-found', false], 'no match')
  t.Eq(Run('search', {query: 'secret'}), ['no match for secret', false], 'not outside the project')
enddef

def TestProposeEdit()
  silent! tabonly
  execute 'edit ' .. project .. '/src/main.lua'
  var file = bufnr()
  var answers: list<string> = []
  var Propose = (replacement: string) => tools.Run('propose_edit', {path: 'src/main.lua', start_line: 1, end_line: 1, replacement: replacement},
    (text, _) => {
      answers->add(text)
    })
  Propose('local answer = 7')
  t.Eq(bufname(), 'switchboard://rewrite', 'the proposal is on screen')
  t.Eq(getline(1, '$'), ['local answer = 7'], 'the proposal')
  t.Feed('ga')
  t.Eq(getbufline(file, 1, '$'), ['local answer = 7', 'return answer'], 'accepted')
  t.Check(answers[0] =~ '^accepted', answers[0])
  Propose('local answer = 8')
  t.Feed('gr')
  t.Check(answers[1] =~ '^rejected', answers[1])
  Propose('local answer = 9')
  tabclose
  t.Check(len(answers) == 3 && answers[2] =~ '^rejected', 'closing the tab rejects: ' .. string(answers))
  t.Eq(getbufline(file, 1, '$'), ['local answer = 7', 'return answer'], 'only the accepted edit')
  var [text, is_error] = Run('propose_edit', {path: 'src/main.lua', start_line: 5, end_line: 9, replacement: 'x'})
  t.Check(is_error && text =~ 'are not in', text)
  t.Eq(Run('propose_edit', {path: 'blob.bin', start_line: 1, end_line: 1, replacement: 'x'})[1], true, 'not a binary file')
  silent! bwipeout!
enddef

def TestExecuteCancelled()
  daemon.Dispatch({jsonrpc: '2.0', id: 'sb-8', method: 'tool.execute', params: {request_id: 1, call_id: 'c', name: 'propose_edit',
    arguments: {path: 'src/main.lua', start_line: 1, end_line: 0, replacement: '-- new first line'}}})
  t.Eq(bufname(), 'switchboard://rewrite', 'the proposal is on screen')
  t.Eq(stream.Executing(), ['sb-8'], 'waiting for the user')
  daemon.Dispatch({jsonrpc: '2.0', method: '$/cancelRequest', params: {id: 'sb-8'}})
  t.Check(bufname() != 'switchboard://rewrite', 'the diff is closed')
  t.Eq(stream.Executing(), [], 'withdrawn, unanswered')
  t.Eq(rewrite.Active(), false, 'no rewrite left on screen')
  t.Check(t.Messages() =~ 'withdrawn', t.Messages())
enddef

t.Case('with tools on, a chat offers the editor tools; the daemon''s tool.execute runs one', TestEditorTools)
t.Case('read_file: a buffer (unsaved text) or a file of the project; nothing outside it, no binary', TestReadFile)
t.Case('list_files and search: the project, bounded', TestListAndSearch)
t.Case('propose_edit: the rewrite diff; accepting applies it, rejecting or closing it does not', TestProposeEdit)
t.Case('a tool.execute the daemon cancels closes the proposed edit without an answer', TestExecuteCancelled)
t.Case('tool calls are recorded in the answer, their status updated; tool.approve asks', TestRecords)
t.Case('a tool call record', TestRecordLines)
t.Finish('tools')
