-- Chats with tools (agent.run): tool call records in the answer (folded, left out of what is
-- sent), the editor's tools (read_file, list_files, search, propose_edit) inside the project only,
-- MCP approval through vim.ui.select, the daemon's requests (unknown ones -32601, cancelled ones).
-- The echo upstream calls the request's first tool with {"text": <message>} when the message holds
-- TOOL, then answers "echo: <the tool's result>".
local t = dofile(debug.getinfo(1, 'S').source:sub(2):match('^(.*)/') .. '/helpers.lua')
local api = vim.api
local uv = vim.uv or vim.loop

-- a project: a git root with files, the working directory inside it
local project = vim.fn.tempname()
vim.fn.mkdir(project .. '/.git', 'p')
vim.fn.mkdir(project .. '/src/deep', 'p')
vim.fn.writefile({ 'local answer = 42', 'return answer' }, project .. '/src/main.lua')
vim.fn.writefile({ 'the needle is here' }, project .. '/src/deep/notes.txt')
vim.fn.writefile({ 'secret outside' }, project .. '.outside')
local blob = assert(io.open(project .. '/blob.bin', 'wb'))
blob:write('a\0b')
blob:close()
uv.fs_symlink(project .. '.outside', project .. '/link-out')
vim.cmd('cd ' .. vim.fn.fnameescape(project .. '/src'))
project = uv.fs_realpath(project)

local sb = t.load({ store = false, tools = true })
local tools = require('switchboard.tools')

-- Runs tool `name` and returns its answer: text, is_error.
local function run(name, arguments)
  local text, is_error
  tools.run(name, arguments, function(a, b)
    text, is_error = a, b
  end)
  return text, is_error
end

local function type_and_send(text)
  t.feed('G')
  api.nvim_buf_set_lines(0, -2, -1, false, { text })
  t.feed('<CR>')
end

t.case('with tools on, a chat runs through agent.run: the call is recorded, folded, and not sent back', function()
  local buf = sb.chat()
  local earlier = #t.chat_requests()
  type_and_send('use a TOOL please')
  t.eq(t.wait_done('agent run').outcome, 'done', 'outcome')
  t.eq(t.lines(buf), { '## You', 'use a TOOL please', '', '## Assistant', '> [tool] read_file … failed',
    '>   arguments: {"text":"use a TOOL please"}', '>   result: no path given', 'echo: no path given', '',
    '## You', '' }, 'the chat')
  local offered = vim.tbl_map(function(tool)
    return tool['function'].name
  end, t.chat_requests()[earlier + 1].tools)
  t.eq(offered, { 'read_file', 'list_files', 'search', 'propose_edit' }, 'the editor tools offered')
  t.eq(vim.fn.foldclosed(5), 5, 'the record is folded on its first line')
  t.eq(vim.fn.foldclosedend(5), 7, 'the fold holds its details')
  t.eq(vim.fn.foldclosed(8), -1, 'the answer is not folded')
  type_and_send('and then?')
  t.wait_done('follow-up')
  local messages = t.last_request().messages
  t.eq(messages[2], { role = 'assistant', content = 'echo: no path given' }, 'the answer, without the record')
end)

t.case('read_file: a buffer (unsaved text) or a file of the project; nothing outside it, no binary', function()
  local text = run('read_file', { path = 'src/main.lua' })
  t.eq(text, 'local answer = 42\nreturn answer\n', 'a file, relative to the project root')
  vim.cmd('edit ' .. project .. '/src/main.lua')
  api.nvim_buf_set_lines(0, 0, 1, false, { 'local answer = 43' })
  t.eq(run('read_file', { path = 'src/main.lua' }), 'local answer = 43\nreturn answer\n', 'the unsaved buffer')
  vim.cmd('silent! bwipeout!')
  for _, path in ipairs({ '../' .. vim.fn.fnamemodify(project, ':t') .. '.outside', project .. '.outside', '/etc/passwd', 'link-out' }) do
    local answer, is_error = run('read_file', { path = path })
    t.ok(is_error and answer:find('outside the project'), path .. ': ' .. tostring(answer))
  end
  local answer, is_error = run('read_file', { path = 'blob.bin' })
  t.ok(is_error and answer:find('binary'), 'a binary file: ' .. tostring(answer))
  answer, is_error = run('read_file', { path = 'missing.txt' })
  t.ok(is_error and answer:find('no file'), 'a missing file: ' .. tostring(answer))
end)

t.case('list_files and search: the project, bounded', function()
  local listing = vim.split(run('list_files', { path = '.' }), '\n')
  t.ok(vim.tbl_contains(listing, 'src/main.lua') and vim.tbl_contains(listing, 'src/deep/notes.txt'), vim.inspect(listing))
  t.ok(not vim.tbl_contains(listing, '.git'), 'no .git')
  local max = tools.MAX_FILES
  tools.MAX_FILES = 1
  local bounded = vim.split(run('list_files', { path = '.' }), '\n')
  tools.MAX_FILES = max
  t.eq(#bounded, 2, 'one file and a note: ' .. vim.inspect(bounded))
  t.ok(bounded[2]:find('only the first 1'), bounded[2])
  local _, is_error = run('list_files', { path = '/' })
  t.ok(is_error, 'the root folder is outside the project')
  t.eq(run('search', { query = 'needle' }), 'src/deep/notes.txt:1:the needle is here', 'a match as path:line:text')
  t.eq(run('search', { query = 'nowhere-to-be-found' }), 'no match for nowhere-to-be-found', 'no match')
end)

t.case('propose_edit: the rewrite diff; accepting applies it, rejecting or closing it does not', function()
  vim.cmd('edit ' .. project .. '/src/main.lua')
  local file = api.nvim_get_current_buf()
  local answers = {}
  local function propose(replacement)
    tools.run('propose_edit', { path = 'src/main.lua', start_line = 1, end_line = 1, replacement = replacement }, function(text)
      table.insert(answers, text)
    end)
  end
  propose('local answer = 7')
  t.eq(api.nvim_buf_get_name(0), 'switchboard://rewrite', 'the proposal is on screen')
  t.eq(t.lines(), { 'local answer = 7' }, 'the proposal')
  t.feed('ga')
  t.eq(api.nvim_buf_get_lines(file, 0, -1, false), { 'local answer = 7', 'return answer' }, 'accepted')
  t.ok(answers[1]:find('^accepted'), answers[1])
  propose('local answer = 8')
  t.feed('gr')
  t.ok(answers[2]:find('^rejected'), answers[2])
  propose('local answer = 9')
  vim.cmd('tabclose')
  t.ok(answers[3] and answers[3]:find('^rejected'), 'closing the tab rejects: ' .. tostring(answers[3]))
  t.eq(api.nvim_buf_get_lines(file, 0, -1, false), { 'local answer = 7', 'return answer' }, 'only the accepted edit')
  vim.cmd('silent! bwipeout!')
end)

t.case('the daemon\'s requests: an unknown method is answered -32601', function()
  local connection = sb.connection()
  local sent = {}
  local send = connection._send
  connection._send = function(self, message)
    table.insert(sent, message)
    return true
  end
  connection:_receive('{"jsonrpc":"2.0","id":"sb-99","method":"editor.unknown","params":{}}')
  connection._send = send
  t.eq(sent[1].id, 'sb-99', 'the answer')
  t.eq(sent[1].error.code, -32601, 'method not found')
end)

-- MCP tools need approval: the daemon's own MCP mode serves as the server (its first tool is
-- "chat"); no editor tools, so the echo upstream calls sb__chat.
local mcp = {
  mcp_servers = {
    sb = { command = t.bin, args = { '--mcp' }, env = { OPENAI_BASE_URL = t.base_url, OPENAI_API_KEY = t.key } },
  },
}
local select = vim.ui.select
local asked = {}
local choose -- function(items, opts, on_choice)
vim.ui.select = function(items, opts, on_choice)
  table.insert(asked, { items = items, prompt = opts.prompt })
  choose(items, opts, on_choice)
end

t.case('tools unset: agent.run only when the daemon has MCP servers (tools.list)', function()
  sb.setup({ store = false, cmd = { t.bin }, config = mcp })
  local agent = require('switchboard.agent')
  local decided
  agent.decide(sb.connection(), function(on)
    decided = on
  end)
  t.ok(vim.wait(10000, function()
    return decided ~= nil
  end, 10), 'tools.list did not answer')
  t.eq(decided, true, 'with a server')
  sb.setup({ store = false, cmd = { t.bin } })
  decided = nil
  agent.decide(sb.connection(), function(on)
    decided = on
  end)
  vim.wait(5000, function()
    return decided ~= nil
  end, 10)
  t.eq(decided, false, 'without one')
end)

-- The daemon's requests, as it sends them (fed in, so that no MCP server is needed); the answers
-- the plugin writes are captured.
local function from_daemon(connection, messages)
  local sent = {}
  local send = connection._send
  connection._send = function(_, message)
    table.insert(sent, message)
    return true
  end
  for _, message in ipairs(messages) do
    connection:_receive(vim.json.encode(message))
  end
  return sent, function()
    connection._send = send
  end
end

local function approve_request(id, name)
  return { jsonrpc = '2.0', id = id, method = 'tool.approve',
    params = { request_id = 1, call_id = 'call_' .. id, name = name, server = 'time', arguments = { timezone = 'Europe/Paris' } } }
end

t.case('tool.approve is asked with vim.ui.select: Allow, Deny, Allow for this session', function()
  local connection = sb.connection()
  local answers = { 'Deny', 'Allow', 'Allow for this session' }
  choose = function(_, _, on_choice)
    on_choice(table.remove(answers, 1))
  end
  local sent, restore = from_daemon(connection, {
    approve_request('sb-1', 'time__now'), approve_request('sb-2', 'time__now'),
    approve_request('sb-3', 'time__zone'), approve_request('sb-4', 'time__zone'),
  })
  restore()
  t.eq(#asked, 3, 'asked three times (the session allowance answers the fourth)')
  t.eq(asked[1].prompt, 'Run now (MCP server time) with {"timezone":"Europe/Paris"}?', 'the question')
  t.eq(asked[1].items, { 'Allow', 'Allow for this session', 'Deny' }, 'the choices')
  t.eq(vim.tbl_map(function(m)
    return { m.id, m.result.approved }
  end, sent), { { 'sb-1', false }, { 'sb-2', true }, { 'sb-3', true }, { 'sb-4', true } }, 'the answers')
  require('switchboard.agent').forget_allowed()
end)

t.case('$/cancelRequest from the daemon withdraws a pending question; its answer is never sent', function()
  local connection = sb.connection()
  local pending
  choose = function(_, _, on_choice)
    pending = on_choice
  end
  local sent, restore = from_daemon(connection, {
    approve_request('sb-7', 'time__now'),
    { jsonrpc = '2.0', method = '$/cancelRequest', params = { id = 'sb-7' } },
  })
  t.ok(pending ~= nil, 'asked')
  pending('Allow')
  restore()
  t.eq(sent, {}, 'nothing answered')
  t.ok(#vim.tbl_filter(function(n)
    return n.message:find('withdrawn')
  end, t.notes) == 1, 'the withdrawal is reported: ' .. vim.inspect(t.notes))
end)

t.case('a cancelled tool.execute closes the proposed edit without an answer', function()
  local connection = sb.connection()
  local sent, restore = from_daemon(connection, {
    { jsonrpc = '2.0', id = 'sb-8', method = 'tool.execute', params = { request_id = 1, call_id = 'c', name = 'propose_edit',
      arguments = { path = 'src/main.lua', start_line = 1, end_line = 0, replacement = '-- new first line' } } },
  })
  t.eq(api.nvim_buf_get_name(0), 'switchboard://rewrite', 'the proposal is on screen')
  connection:_receive(vim.json.encode({ jsonrpc = '2.0', method = '$/cancelRequest', params = { id = 'sb-8' } }))
  restore()
  t.ok(api.nvim_buf_get_name(0) ~= 'switchboard://rewrite', 'the diff is closed')
  t.eq(sent, {}, 'no answer')
  t.eq(require('switchboard.rewrite').active(), false, 'no rewrite left on screen')
end)

t.case('a chat calls an MCP tool without trust: the daemon asks, Allow runs it, Deny tells the model', function()
  sb.setup({ store = false, cmd = { t.bin }, config = mcp, tools = {} }) -- the MCP tools only
  local earlier = #asked
  local shown -- the chat's last lines when the question was asked
  choose = function(_, _, on_choice)
    shown = { unpack(t.lines(), #t.lines() - 2) }
    on_choice('Allow')
  end
  local buf = sb.new()
  type_and_send('run a TOOL')
  t.eq(t.wait_done('approved run').outcome, 'done', 'outcome')
  t.eq(#asked, earlier + 1, 'asked once')
  t.eq(shown, { '> [tool] sb__chat … pending', '>   arguments: {"text":"run a TOOL"}', '' }, 'the pending call, above the question')
  t.eq(asked[#asked].prompt, 'Run chat (MCP server sb) with {"text":"run a TOOL"}?', 'the question')
  local lines = t.lines(buf)
  t.ok(lines[5]:find('^> %[tool%] sb__chat … ') and not lines[5]:find('denied'), 'run: ' .. vim.inspect(lines))
  t.ok(lines[6] == '>   arguments: {"text":"run a TOOL"}', 'the arguments: ' .. lines[6])
  choose = function(_, _, on_choice)
    on_choice('Deny')
  end
  type_and_send('no TOOL this time')
  t.eq(t.wait_done('denied run').outcome, 'done', 'outcome')
  t.eq(#asked, earlier + 2, 'asked again')
  lines = t.lines(buf)
  local record = #lines - 6
  t.eq({ unpack(lines, record) }, { '> [tool] sb__chat … denied', '>   arguments: {"text":"no TOOL this time"}',
    '>   result: The user did not approve this call.', 'echo: The user did not approve this call.', '', '## You', '' },
    'the denied call and the answer')
  local tool_message = t.last_request().messages[#t.last_request().messages]
  t.eq({ tool_message.role, tool_message.content }, { 'tool', 'The user did not approve this call.' }, 'the model was told')
end)

vim.ui.select = select
t.finish('tools')
