-- History: chats kept in the daemon's conversation store (conversation_id "new", then the id the
-- daemon gives), reopened with :SwitchboardHistory (vim.ui.select over conversations.list) and
-- continued; retry; the tokens each answer used.
local t = dofile(debug.getinfo(1, 'S').source:sub(2):match('^(.*)/') .. '/helpers.lua')
local api = vim.api
local sb = t.load({ tools = false })
local chat = require('switchboard.chat')

local function type_and_send(text)
  t.feed('G')
  api.nvim_buf_set_lines(0, -2, -1, false, { text })
  t.feed('<CR>')
end

local first_id

t.case('a new chat starts a stored conversation and keeps its id for the next questions', function()
  local buf = sb.chat()
  type_and_send('What is a monad?')
  t.eq(t.wait_done('first').outcome, 'done', 'outcome')
  first_id = chat.conversation_id(buf)
  t.ok(type(first_id) == 'string' and first_id:find('^conv_'), 'the id: ' .. tostring(first_id))
  type_and_send('And in plain words?')
  t.eq(t.wait_done('second').outcome, 'done', 'outcome')
  t.eq(chat.conversation_id(buf), first_id, 'the same conversation')
  t.eq(t.last_request().messages, {
    { role = 'user', content = 'What is a monad?' },
    { role = 'assistant', content = 'echo: What is a monad?' },
    { role = 'user', content = 'And in plain words?' },
  }, 'the daemon sent the stored history')
end)

t.case('the tokens an answer used are shown on its heading', function()
  local ns = api.nvim_create_namespace('switchboard.usage')
  local marks = api.nvim_buf_get_extmarks(0, ns, 0, -1, { details = true })
  t.eq(#marks, 2, 'one note per answer')
  local row, details = marks[2][2], marks[2][4]
  t.eq(t.lines()[row + 1], '## Assistant', 'on the answer heading')
  t.ok(details.virt_text[1][1]:match('^  %d+ tokens %(%d+ in, %d+ out%)$'), details.virt_text[1][1])
  t.ok(sb.status().last.usage.total_tokens > 0, 'the outcome has the usage')
end)

local select = vim.ui.select

t.case(':SwitchboardHistory picks a conversation; it opens as a chat that continues it', function()
  local offered
  vim.ui.select = function(items, opts, on_choice)
    offered = vim.tbl_map(opts.format_item, items)
    on_choice(items[1])
  end
  vim.cmd('SwitchboardHistory')
  t.ok(vim.wait(5000, function()
    return chat.conversation_id(api.nvim_get_current_buf()) == first_id and api.nvim_buf_get_name(0):find('chat%-2$')
  end, 10), 'the conversation did not open: ' .. vim.inspect(offered))
  t.ok(offered[1]:find('^What is a monad%?  · %d%d%d%d%-'), offered[1])
  local buf = api.nvim_get_current_buf()
  t.eq(t.lines(buf), { '## You', 'What is a monad?', '', '## Assistant', 'echo: What is a monad?', '', '## You',
    'And in plain words?', '', '## Assistant', 'echo: And in plain words?', '', '## You', '' }, 'the chat')
  t.eq(api.nvim_win_get_cursor(0)[1], 14, 'the cursor in the input')
  type_and_send('Once more')
  t.eq(t.wait_done('continued').outcome, 'done', 'outcome')
  local messages = t.last_request().messages
  t.eq(#messages, 5, 'the whole history went along')
  t.eq(messages[5], { role = 'user', content = 'Once more' }, 'the question')
  t.eq(chat.conversation_id(buf), first_id, 'the same conversation')
end)

t.case('an agent run reopened from history shows its tool calls as records', function()
  sb.setup({ cmd = { t.bin }, tools = true, window = 'botright split' })
  local buf = chat.new()
  chat.show(buf, { focus = true })
  type_and_send('a TOOL run')
  t.eq(t.wait_done('agent run').outcome, 'done', 'outcome')
  local id = chat.conversation_id(buf)
  local opened
  require('switchboard.history').open(id, function(b)
    opened = b
  end)
  t.ok(vim.wait(5000, function()
    return opened ~= nil
  end, 10), 'not opened')
  t.eq(t.lines(opened), { '## You', 'a TOOL run', '', '## Assistant', '> [tool] read_file … called',
    '>   arguments: {"text":"a TOOL run"}', '>   result: no path given', 'echo: no path given', '', '## You', '' }, 'the chat')
  sb.setup({ cmd = { t.bin }, tools = false, window = 'botright split' })
end)

t.case('a call id used again in a later turn: each call shows its own result', function()
  local function run(path, result)
    local call = { id = 'call_1', type = 'function', ['function'] = { name = 'read_file', arguments = vim.json.encode({ path = path }) } }
    return { role = 'assistant', content = '', tool_calls = { call } },
      { role = 'tool', tool_call_id = 'call_1', content = result },
      { role = 'assistant', content = 'read ' .. path }
  end
  local messages = { { role = 'user', content = 'first' } }
  vim.list_extend(messages, { run('a', 'A') })
  table.insert(messages, { role = 'user', content = 'second' })
  vim.list_extend(messages, { run('b', 'B') })
  t.eq(require('switchboard.history').render(messages), { '## You', 'first', '', '## Assistant',
    '> [tool] read_file … called', '>   arguments: {"path":"a"}', '>   result: A', 'read a', '', '## You', 'second', '',
    '## Assistant', '> [tool] read_file … called', '>   arguments: {"path":"b"}', '>   result: B', 'read b', '',
    '## You', '' }, 'the chat')
end)

t.case('a chat whose conversation another process changed is told so', function()
  local buf = api.nvim_get_current_buf()
  local id = chat.conversation_id(buf)
  -- another daemon, sharing the store (the same XDG_DATA_HOME), renames it
  local rename = vim.json.encode({ jsonrpc = '2.0', id = 1, method = 'conversations.rename', params = { id = id, title = 'renamed' } })
  local answer = vim.fn.system({ t.bin }, rename .. '\n')
  t.ok(answer:find('"result"'), 'the other daemon: ' .. answer)
  local listed
  sb.connection():request('conversations.list', {}, function(_, result)
    listed = result
  end)
  t.ok(vim.wait(5000, function()
    return listed ~= nil
  end, 10), 'no list')
  local name = vim.fn.fnamemodify(api.nvim_buf_get_name(buf), ':t')
  t.ok(#vim.tbl_filter(function(n)
    return n.message:find(name .. ': its conversation changed elsewhere', 1, true)
  end, t.notes) == 1, 'the note: ' .. vim.inspect(t.notes))
end)

t.case('retry asks the last question again in a new stored conversation, the history sent whole', function()
  local buf = api.nvim_get_current_buf()
  local before = chat.conversation_id(buf)
  vim.cmd('SwitchboardRetry')
  t.eq(t.wait_done('retry').outcome, 'done', 'outcome')
  local after = chat.conversation_id(buf)
  t.ok(after and after ~= before, 'a new conversation: ' .. tostring(after))
  t.eq(t.lines(buf)[#t.lines(buf) - 3], 'echo: a TOOL run', 'answered again (tools are off now)')
end)

t.case('store = false: no conversation_id is sent', function()
  sb.setup({ cmd = { t.bin }, store = false, tools = false, window = 'botright split' })
  local buf = chat.new()
  chat.show(buf, { focus = true })
  type_and_send('not stored')
  t.eq(t.wait_done('unstored').outcome, 'done', 'outcome')
  t.eq(chat.conversation_id(buf), nil, 'no id')
end)

t.case('a first question cancelled keeps the conversation the daemon stored it in', function()
  sb.setup({ cmd = { t.bin }, tools = false, window = 'botright split' })
  local buf = chat.new()
  chat.show(buf, { focus = true })
  type_and_send('SLOW cancel me')
  t.ok(vim.wait(10000, function()
    return t.lines(buf)[#t.lines(buf)]:find('echo') ~= nil
  end, 10), 'the stream did not start')
  t.feed('<C-c>')
  t.eq(t.wait_done('cancelled').outcome, 'cancelled', 'outcome')
  t.ok((chat.conversation_id(buf) or ''):find('^conv_'), 'the id from data.partial: ' .. tostring(chat.conversation_id(buf)))
end)

t.case('a daemon whose store is off (-32008): noted once, the question asked again unstored', function()
  sb.setup({ cmd = { t.bin }, tools = false, config = { store = false }, window = 'botright split' })
  local buf = chat.new()
  chat.show(buf, { focus = true })
  type_and_send('store is off')
  t.ok(vim.wait(10000, function()
    local last = sb.status().last
    return last and last.outcome == 'done' and not sb.status().busy
  end, 10), 'no answer after the resend: ' .. vim.inspect(t.lines(buf)))
  t.eq(t.lines(buf), { '## You', 'store is off', '', '## Assistant', 'echo: store is off', '', '## You', '' }, 'the chat')
  t.eq(#vim.tbl_filter(function(n)
    return n.message:find('store cannot be used')
  end, t.notes), 1, 'noted once')
  t.eq(chat.conversation_id(buf), nil, 'no id')
  t.eq(chat.storing(), false, 'not stored for the session')
end)

vim.ui.select = select
t.finish('history')
