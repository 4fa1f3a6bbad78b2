-- Tests of switchboard.nvim, run by tests/run in headless Neovim against the real daemon
-- ($SWITCHBOARD_BIN) and the echo upstream ($OPENAI_BASE_URL). Results go to stdout; Neovim
-- exits 0 when every case passed, 1 otherwise.
local bin = assert(os.getenv('SWITCHBOARD_BIN'), 'SWITCHBOARD_BIN is not set')
local png = assert(os.getenv('SWITCHBOARD_TEST_PNG'), 'SWITCHBOARD_TEST_PNG is not set')
local key = os.getenv('OPENAI_API_KEY') or ''
local pid_file = (os.getenv('SWITCHBOARD_RESULTS') or vim.fn.tempname()) .. '.pids'

local function out(text)
  io.stdout:write(text .. '\n')
  io.stdout:flush()
end

-- vim.notify is captured: the cases look at what the plugin reported
local notes = {}
vim.notify = function(message, level)
  table.insert(notes, { message = message, level = level })
end

-- the lsp.log (in tests/run's private cache) shows the daemon's -32800 answers vim.lsp.rpc hides
vim.lsp.set_log_level('debug')

vim.cmd('runtime plugin/switchboard.lua')
local sb = require('switchboard')
sb.setup({
  cmd = { bin },
  config = { profiles = { echo2 = { default_model = 'profile-model-x' } } },
  window = 'botright split',
})

local function fail(message)
  error(message, 2)
end

local function eq(actual, expected, what)
  if not vim.deep_equal(actual, expected) then
    fail(('%s: expected %s, got %s'):format(what, vim.inspect(expected), vim.inspect(actual)))
  end
end

local function ok(value, what)
  if not value then
    fail(what)
  end
end

local function wait_done(what)
  ok(vim.wait(15000, function()
    return not sb.status().busy
  end, 10), what .. ': the request did not finish within 15 s')
  return sb.status().last
end

local function chat_lines()
  local buf = require('switchboard.buffer').get()
  return vim.api.nvim_buf_get_lines(buf, 0, -1, false)
end

-- The lines of the last "## Assistant" block.
local function last_answer()
  local lines = chat_lines()
  for i = #lines, 1, -1 do
    if lines[i] == '## Assistant' then
      return vim.list_slice(lines, i + 1)
    end
  end
  fail('no "## Assistant" block in the chat buffer:\n' .. table.concat(lines, '\n'))
end

-- The last message of `method` the plugin sent, as vim.lsp.rpc logged it (vim.inspect text).
local function last_sent(method)
  local found
  for _, line in ipairs(vim.fn.readfile(vim.lsp.get_log_path())) do
    if line:find('"rpc.send"', 1, true) and line:find(('method = "%s"'):format(method), 1, true) then
      found = line
    end
  end
  return found or fail('no ' .. method .. ' in the log')
end

local function record_pid()
  local file = assert(io.open(pid_file, 'a'))
  file:write(sb.connection().pid, '\n')
  file:close()
end

local passed, failed = 0, 0
local function case(name, body)
  notes = {}
  local good, err = xpcall(body, debug.traceback)
  if good then
    passed = passed + 1
    out('PASS ' .. name)
  else
    failed = failed + 1
    out('FAIL ' .. name .. '\n  ' .. tostring(err):gsub('\n', '\n  '))
  end
end

case('streamed chat fills the buffer in order and completes', function()
  local buf = require('switchboard.buffer').get()
  local seen = {}
  vim.api.nvim_buf_attach(buf, false, {
    on_lines = function(_, b)
      local n = vim.api.nvim_buf_line_count(b)
      table.insert(seen, vim.api.nvim_buf_get_lines(b, n - 1, n, false)[1])
      return #seen > 200 -- detach eventually
    end,
  })
  vim.cmd('Switchboard hello streaming world')
  record_pid()
  local last = wait_done('chat')
  eq(last.outcome, 'done', 'outcome')
  eq(last.result.choices[1].message.content, 'echo: hello streaming world', 'the final result')
  eq(last_answer(), { 'echo: hello streaming world' }, 'the answer in the buffer')
  eq(chat_lines()[1], '## You', 'first line')
  eq(chat_lines()[2], 'hello streaming world', 'the question in the buffer')
  -- each state of the answer line while streaming is a prefix of the next
  local growth = vim.tbl_filter(function(line)
    return vim.startswith(line, 'ech')
  end, seen)
  ok(#growth >= 9, ('expected at least 9 streamed states, saw %d: %s'):format(#growth, vim.inspect(growth)))
  for i = 2, #growth do
    ok(vim.startswith(growth[i], growth[i - 1]) and #growth[i] > #growth[i - 1], 'out of order: ' .. vim.inspect(growth))
  end
  eq(growth[#growth], 'echo: hello streaming world', 'the last streamed state')
  eq(#notes, 0, 'notifications: ' .. vim.inspect(notes))
end)

case('a visual selection is the prompt, or context after the prompt', function()
  vim.cmd('enew')
  vim.bo.filetype = 'lua'
  vim.api.nvim_buf_set_lines(0, 0, -1, false, { 'local x = 1', 'return x', 'unused' })
  vim.cmd('normal! ggVj\27')
  vim.cmd("'<,'>Switchboard")
  eq(wait_done('selection').outcome, 'done', 'outcome')
  eq(last_answer(), { 'echo: local x = 1', 'return x' }, 'the selection as the prompt')
  vim.cmd("'<,'>Switchboard Explain this")
  eq(wait_done('selection + prompt').outcome, 'done', 'outcome')
  eq(last_answer(), { 'echo: Explain this', '', '```lua', 'local x = 1', 'return x', '```' }, 'prompt + selection')
end)

case('describe image streams the description', function()
  vim.cmd('SwitchboardDescribeImage ' .. vim.fn.fnameescape(png))
  local last = wait_done('describe')
  eq(last.outcome, 'done', 'outcome')
  eq(last.result.text, 'echo: Describe this image. [1 image]', 'result.text')
  eq(last_answer(), { 'echo: Describe this image. [1 image]' }, 'the buffer')
end)

case('model and profile selection reach the request', function()
  vim.cmd('SwitchboardModel gpt-4o')
  vim.cmd('Switchboard which model')
  eq(wait_done('model').result.model, 'gpt-4o', 'model with :SwitchboardModel gpt-4o')
  vim.cmd('SwitchboardModel!')
  vim.cmd('SwitchboardProfile echo2')
  ok(vim.wait(5000, function()
    return require('switchboard.config').options.profile == 'echo2'
  end, 10), 'profile echo2 was not accepted: ' .. vim.inspect(notes))
  vim.cmd('Switchboard which profile')
  eq(wait_done('profile').result.model, 'profile-model-x', 'model from profile echo2')
  notes = {}
  vim.cmd('SwitchboardProfile nosuch')
  ok(vim.wait(5000, function()
    return #notes > 0
  end, 10), 'no error for an unknown profile')
  eq(notes[1].level, vim.log.levels.ERROR, 'level')
  ok(notes[1].message:find('unknown profile "nosuch"', 1, true), 'message: ' .. notes[1].message)
  eq(require('switchboard.config').options.profile, 'echo2', 'the profile is unchanged')
  vim.cmd('SwitchboardProfile!')
  eq(require('switchboard.config').options.profile, nil, 'the profile after :SwitchboardProfile!')
end)

case('cancel stops a slow stream and shows [cancelled]', function()
  local full = 'echo: SLOW count slowly please'
  vim.cmd('Switchboard SLOW count slowly please')
  ok(vim.wait(10000, function()
    return #(last_answer()[1] or '') >= 9
  end, 10), 'the slow stream did not start')
  vim.cmd('SwitchboardCancel')
  local last = wait_done('cancel')
  eq(last.outcome, 'cancelled', 'outcome')
  eq(last.error.code, -32800, 'error code')
  local answer = last_answer()
  eq(#answer, 2, 'answer lines: ' .. vim.inspect(answer))
  eq(answer[2], '[cancelled]', 'the note')
  ok(vim.startswith(full, answer[1]) and #answer[1] < #full, 'partial answer: ' .. answer[1])
  local before = chat_lines()
  vim.wait(1000)
  eq(chat_lines(), before, 'the buffer one second after the cancellation')
  -- what the daemon really answered (vim.lsp.rpc logs the -32800 before dropping it)
  local log = table.concat(vim.fn.readfile(vim.lsp.get_log_path()), '\n')
  local ack = log:match('Received cancellation ack"%s*([^\n]*)')
  ok(ack and ack:find('code = -32800', 1, true) and ack:find('reason = "cancelled"', 1, true), 'daemon answer: ' .. tostring(ack))
  eq(#notes, 0, 'notifications: ' .. vim.inspect(notes))
end)

case('an upstream 401 is reported with vim.notify at level ERROR', function()
  vim.cmd('Switchboard FAIL401 please')
  local last = wait_done('401')
  eq(last.outcome, 'error', 'outcome')
  eq(last.error.code, -32001, 'code')
  eq(#notes, 1, 'notifications: ' .. vim.inspect(notes))
  eq(notes[1].level, vim.log.levels.ERROR, 'level')
  ok(notes[1].message:find('upstream HTTP 401: Incorrect API key provided', 1, true), 'message: ' .. notes[1].message)
  ok(not notes[1].message:find(key, 1, true), 'the key is in the message')
  ok(vim.startswith(last_answer()[1], '[error -32001: upstream HTTP 401'), 'buffer: ' .. vim.inspect(last_answer()))
end)

case(':checkhealth switchboard reports the binary, version and key presence', function()
  vim.cmd('silent checkhealth switchboard')
  local report = table.concat(vim.api.nvim_buf_get_lines(0, 0, -1, false), '\n')
  vim.cmd('tabclose')
  ok(report:find('OK:? executable: ' .. vim.pesc(bin)), report)
  ok(report:find('OK:? version: switchboard %d+%.%d+'), report)
  ok(report:find('OK:? API key: set'), report)
  ok(report:find('base_url: ' .. vim.pesc(os.getenv('OPENAI_BASE_URL'))), report)
  ok(not report:find('ERROR'), report)
  ok(not report:find(key, 1, true), 'the key is in the report')
end)

case('VimLeavePre shuts the daemon down (shutdown, exit: code 0)', function()
  local connection = sb.connection()
  local pid = connection.pid
  ok(pid and vim.loop.kill(pid, 0) == 0, 'the daemon is not running')
  vim.api.nvim_exec_autocmds('VimLeavePre', { group = 'switchboard' })
  ok(connection.exited, 'the daemon has not exited')
  -- 0 is the code of exit after shutdown (1 without), while Neovim still holds its stdin open
  eq(connection.exit_code, 0, 'exit code')
  ok(vim.loop.kill(pid, 0) ~= 0, 'process ' .. pid .. ' still exists')
end)

case('a request after the shutdown starts a new daemon, with the conversation as context', function()
  vim.cmd('Switchboard again')
  eq(wait_done('restart').outcome, 'done', 'outcome')
  record_pid() -- tests/run checks this one is gone once Neovim has quit
  local sent = last_sent('chat.complete')
  ok(sent:find('content = "echo: hello streaming world",%s*role = "assistant"'), 'earlier answer missing: ' .. sent)
  ok(sent:find('content = "echo: SLO', 1, true), 'the cancelled partial answer is missing: ' .. sent)
  ok(not sent:find('FAIL401', 1, true), 'the failed question was sent again: ' .. sent)
end)

case(':Switchboard! starts a new conversation', function()
  vim.cmd('Switchboard! fresh start')
  eq(wait_done('new').outcome, 'done', 'outcome')
  eq(chat_lines(), { '## You', 'fresh start', '', '## Assistant', 'echo: fresh start' }, 'the chat buffer')
  local sent = last_sent('chat.complete')
  ok(sent:find('messages = { {%s*content = "fresh start",%s*role = "user"%s*} }'), 'messages: ' .. sent)
end)

out(('neovim: %d passed, %d failed'):format(passed, failed))
out('chat buffer at the end:')
for _, line in ipairs(chat_lines()) do
  out('  | ' .. line)
end
vim.cmd(failed == 0 and 'qall!' or 'cquit 1')
