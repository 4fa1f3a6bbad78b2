-- Chat buffers: typing and sending with the keys, streaming, history (images included), cancel,
-- errors, presets and context, save and reopen. The echo upstream answers "echo: <last user
-- message>" in 3-character pieces (0.2 s apart with SLOW); FAIL401 gets an HTTP 401.
local t = dofile(debug.getinfo(1, 'S').source:sub(2):match('^(.*)/') .. '/helpers.lua')
-- (store = false: these cases test the buffer as the history the plugin sends)
local sb = t.load({ store = false, presets = { terse = { system = 'Be terse.', model = 'gpt-4o' } } })
local api = vim.api

-- Types `text` as the input of the chat in the current window and sends it with `keys`.
local function type_and_send(text, keys)
  t.feed('G')
  api.nvim_buf_set_lines(0, -2, -1, false, vim.split(text, '\n', { plain = true }))
  t.feed(keys)
end

local function tail(n)
  local lines = t.lines()
  return vim.list_slice(lines, #lines - n + 1)
end

t.case('<CR> sends the multi-line input; the answer streams in order, then a new ## You waits', function()
  local buf = sb.chat()
  t.eq(t.lines(buf), { '## You', '' }, 'a new chat')
  local states = {}
  api.nvim_create_autocmd('User', {
    pattern = 'SwitchboardDelta',
    callback = function()
      table.insert(states, t.lines(buf)[6])
    end,
  })
  type_and_send('first line\nsecond line', '<CR>')
  t.eq(t.wait_done('send').outcome, 'done', 'outcome')
  t.eq(t.lines(buf), { '## You', 'first line', 'second line', '', '## Assistant', 'echo: first line',
    'second line', '', '## You', '' }, 'the chat')
  t.ok(#states >= 6, 'streamed states: ' .. vim.inspect(states))
  for i = 2, #states do
    t.ok(vim.startswith(states[i], states[i - 1]), 'out of order: ' .. vim.inspect(states))
  end
  t.eq(api.nvim_win_get_cursor(0)[1], #t.lines(buf), 'the cursor waits in the new input')
  t.eq(t.last_request().messages, { { role = 'user', content = 'first line\nsecond line' } }, 'the request')
end)

t.case('a new chat is saved after each answer (autosave_dir)', function()
  local path = api.nvim_buf_get_var(0, 'switchboard_autosave')
  t.ok(vim.startswith(path, vim.fn.stdpath('data') .. '/switchboard/chats/chat-'), path)
  t.eq(vim.fn.readfile(path), t.lines(), 'the file holds the chat')
end)

t.case('<C-s> in Insert mode sends the follow-up with the whole conversation', function()
  type_and_send('and then?', 'A<C-s>')
  t.wait_done('follow-up')
  t.eq(t.last_request().messages, {
    { role = 'user', content = 'first line\nsecond line' },
    { role = 'assistant', content = 'echo: first line\nsecond line' },
    { role = 'user', content = 'and then?' },
  }, 'the history')
  t.eq(tail(4), { 'echo: and then?', '', '## You', '' }, 'the end of the chat')
end)

t.case('<C-c> cancels: the text so far, then [cancelled]; the busy note shows the key meanwhile', function()
  local full = 'echo: SLOW count slowly please'
  type_and_send('SLOW count slowly please', '<CR>')
  t.ok(vim.wait(10000, function()
    return #(t.lines()[#t.lines()]) >= 9
  end, 10), 'the slow stream did not start')
  t.eq(sb.statusline(), '⟳ switchboard <C-c>', 'the statusline component')
  local marks = api.nvim_buf_get_extmarks(0, api.nvim_create_namespace('switchboard'), 0, -1, { details = true })
  local notes = vim.tbl_filter(function(m)
    return m[4].virt_text ~= nil
  end, marks)
  t.eq(notes[1][4].virt_text[1][1], ' ⟳ answering… <C-c> cancels', 'the busy note')
  t.feed('<C-c>')
  local last = t.wait_done('cancel')
  t.eq(last.outcome, 'cancelled', 'outcome')
  local partial = tail(5)[1]
  t.ok(vim.startswith(full, partial) and #partial < #full, 'partial answer: ' .. partial)
  t.eq(tail(4), { '[cancelled]', '', '## You', '' }, 'the end of the chat')
  t.eq(api.nvim_win_get_cursor(0)[1], #t.lines(), 'the cursor left the answer for the new input')
  t.eq(sb.statusline(), '', 'the statusline when idle')
  vim.wait(600)
  t.eq(tail(1), { '' }, 'nothing arrives after the cancellation')
  type_and_send('next', '<CR>')
  t.wait_done('after the cancellation')
  local messages = t.last_request().messages
  t.eq(messages[#messages - 1], { role = 'assistant', content = partial }, 'the partial answer, without the note')
end)

t.case('a cancel inside a code block closes the fence before [cancelled]; the chat goes on', function()
  type_and_send('SLOW\n```python\nx = 1\ny = 2\n```', '<CR>')
  t.ok(vim.wait(10000, function()
    return tail(1)[1]:find('^x') ~= nil
  end, 10), 'the stream did not reach the code')
  t.feed('<C-c>')
  t.eq(t.wait_done('cancel in a fence').outcome, 'cancelled', 'outcome')
  t.eq(vim.list_slice(tail(6), 2), { '```', '[cancelled]', '', '## You', '' }, 'the end of the chat')
  t.eq(api.nvim_win_get_cursor(0)[1], #t.lines(), 'the cursor waits in the new input')
  type_and_send('and after it?', '<CR>')
  t.eq(t.wait_done('after the cancel in a fence').outcome, 'done', 'the next send')
  local messages = t.last_request().messages
  t.eq(messages[#messages], { role = 'user', content = 'and after it?' }, 'the question after the cancelled code')
  t.ok(messages[#messages - 1].content:find('```python\nx?[^`]*```$'), 'the partial answer, its fence closed: '
    .. messages[#messages - 1].content)
end)

t.case('an answer cut by the token limit or failing inside a code block is closed and noted', function()
  local chat = require('switchboard.chat')
  local buf = sb.chat()
  local function answer(outcome, text)
    api.nvim_buf_set_lines(buf, 0, -1, false, { '## You', 'q', '', '## Assistant', '' })
    api.nvim_buf_set_text(buf, 4, 0, 4, 0, vim.split(text, '\n', { plain = true }))
    local lines = t.lines(buf)
    outcome.text = text
    chat.end_answer(buf, outcome, #lines - 1, #lines[#lines])
    return vim.list_slice(t.lines(buf), 5)
  end
  t.eq(answer({ outcome = 'done', result = { choices = { { finish_reason = 'length' } } } }, '```sh\necho one'),
    { '```sh', 'echo one', '```', '[cut off]', '', '## You', '' }, 'cut off')
  t.eq(answer({ outcome = 'error', error = { code = -32603, message = 'the upstream\nclosed' } }, 'text\n```\ncode\n'),
    { 'text', '```', 'code', '```', '[error -32603: the upstream closed]', '', '## You', '' }, 'failed')
  t.eq(answer({ outcome = 'error', error = { message = 'cannot start the daemon: no such file' } }, ''),
    { '[error: cannot start the daemon: no such file]', '', '## You', '' }, 'failed before the daemon started')
  t.eq(answer({ outcome = 'done', result = { choices = { { finish_reason = 'stop' } } } }, 'done\n'),
    { 'done', '', '## You', '' }, 'a finished answer')
  t.eq(require('switchboard.conversation').pending(vim.list_extend(t.lines(buf), { 'next' })) ~= nil, true, 'pending')
end)

t.case('an upstream error is noted in the chat and notified; the failed question is not sent again', function()
  type_and_send('FAIL401 please', '<CR>')
  t.eq(t.wait_done('401').outcome, 'error', 'outcome')
  t.ok(tail(4)[1]:find('^%[error %-32001: upstream HTTP 401: Incorrect API key provided'), 'note: ' .. tail(4)[1])
  t.eq(t.notes[1].level, vim.log.levels.ERROR, 'notified as an error')
  t.ok(not t.notes[1].message:find(t.key, 1, true), 'the key is in the message')
  type_and_send('still there?', '<CR>')
  t.wait_done('after the error')
  t.ok(not vim.inspect(t.last_request()):find('FAIL401'), 'the failed question was sent again')
end)

t.case(':SwitchboardRetry asks a failed question again, its error removed', function()
  type_and_send('FAIL401 then fine', '<CR>')
  t.eq(t.wait_done('to retry').outcome, 'error', 'outcome')
  local before = #t.chat_requests()
  local question = tail(7)
  vim.cmd('SwitchboardRetry')
  t.eq(t.wait_done('retried').outcome, 'error', 'the retry (the echo upstream fails it again)')
  t.eq(#t.chat_requests(), before + 1, 'sent again')
  t.eq(t.last_request().messages[#t.last_request().messages].content, 'FAIL401 then fine', 'the same question')
  t.eq(tail(7), question, 'one answer, the new one')
  t.eq(#vim.tbl_filter(function(l) return l:find('^%[error') end, t.lines()), 2, 'the old error is gone')
end)

t.case('an image stays in the history: the follow-up still sends it', function()
  vim.cmd('SwitchboardImage ' .. vim.fn.fnameescape(t.png))
  type_and_send('What is in it?', '<CR>')
  t.wait_done('image')
  t.eq(tail(4)[1], 'echo: What is in it? [1 image]', 'the answer saw the image')
  type_and_send('And its colour?', '<CR>')
  t.wait_done('image follow-up')
  local with_image = vim.tbl_filter(function(m)
    return type(m.content) == 'table'
  end, t.last_request().messages)
  t.eq(#with_image, 1, 'messages with an image in the follow-up')
  t.eq(with_image[1].content[1], { type = 'text', text = 'What is in it?' }, 'its text')
  t.ok(with_image[1].content[2].image_url.url:find('^data:image/png;base64,'), 'the image, inlined by the daemon')
end)

t.case(':SwitchboardNew with a preset writes its system prompt and uses its model; without one, an empty chat', function()
  local before = api.nvim_get_current_buf()
  vim.cmd('SwitchboardNew')
  t.ok(api.nvim_get_current_buf() ~= before, 'a new chat, not the last one')
  t.eq(t.lines(), { '## You', '' }, 'the new chat without a preset')
  vim.cmd('SwitchboardNew terse')
  t.eq(t.lines(), { '## System', 'Be terse.', '', '## You', '' }, 'the new chat')
  type_and_send('hi', '<CR>')
  t.wait_done('preset')
  local body = t.last_request()
  t.eq(body.messages, { { role = 'system', content = 'Be terse.' }, { role = 'user', content = 'hi' } }, 'messages')
  t.eq(body.model, 'gpt-4o', 'the preset model')
end)

t.case('context: a range, a whole buffer and a file go into the input, then to the upstream', function()
  local file = vim.fn.tempname() .. '.py'
  vim.fn.writefile({ 'print("from a file")' }, file)
  vim.cmd('wincmd p | enew | setlocal filetype=lua')
  api.nvim_buf_set_lines(0, 0, -1, false, { 'local a = 1', 'local b = 2', 'return a + b' })
  vim.cmd('2,3SwitchboardAdd')
  vim.cmd('SwitchboardAdd')
  vim.cmd('SwitchboardAdd ' .. file)
  vim.cmd('SwitchboardSend')
  t.wait_done('context')
  local sent = t.last_request().messages
  local name = 'buffer ' .. api.nvim_get_current_buf()
  t.eq(sent[#sent].content, table.concat({
    ('File: %s (lines 2-3)'):format(name), '```lua', 'local b = 2', 'return a + b', '```',
    'File: ' .. name, '```lua', 'local a = 1', 'local b = 2', 'return a + b', '```',
    'File: ' .. vim.fn.fnamemodify(file, ':~:.'), '```py', 'print("from a file")', '```',
  }, '\n'), 'the context')
end)

t.case(':SwitchboardSave writes Markdown; :SwitchboardOpen continues the saved conversation', function()
  local path = vim.fn.tempname() .. '.md'
  vim.cmd('SwitchboardChat')
  local before = t.lines()
  vim.cmd('SwitchboardSave ' .. path)
  t.eq(vim.fn.readfile(path), before, 'the file')
  t.eq(api.nvim_buf_get_name(0), path, 'the chat is the file now')
  t.eq(api.nvim_win_get_cursor(0)[1], #before, 'the cursor stays at the input')
  vim.cmd('bwipeout!')
  vim.cmd('SwitchboardOpen ' .. path)
  type_and_send('continue', '<CR>')
  t.wait_done('reopened')
  local messages = t.last_request().messages
  local saved = require('switchboard.conversation').messages(before)
  t.eq(vim.list_slice(messages, 1, #saved), saved, 'the history from the file')
  t.eq(messages[#saved + 1], { role = 'user', content = 'continue' }, 'the new question')
  vim.cmd('silent write')
  t.eq(vim.fn.readfile(path)[#vim.fn.readfile(path) - 3], 'echo: continue', ':w saves the answer')
end)

t.case(':SwitchboardSave refuses to overwrite a file (! overwrites) and names a missing folder', function()
  local path = vim.fn.tempname() .. '.md'
  vim.fn.writefile({ 'precious' }, path)
  vim.cmd('SwitchboardChat')
  local chat = api.nvim_get_current_buf()
  vim.cmd('SwitchboardSave ' .. path)
  t.eq(vim.fn.readfile(path), { 'precious' }, 'the file is untouched')
  t.ok(t.notes[#t.notes].message:find('exists', 1, true), 'the note: ' .. vim.inspect(t.notes))
  t.eq(api.nvim_get_current_buf(), chat, 'the chat stays')
  local missing = vim.fn.tempname() .. '/no/such/chat.md'
  local ok, err = pcall(vim.cmd, 'SwitchboardSave ' .. missing)
  t.ok(ok, 'raw error: ' .. tostring(err))
  t.ok(t.notes[#t.notes].message:find('no folder', 1, true), 'the note: ' .. vim.inspect(t.notes[#t.notes]))
  local before = t.lines()
  vim.cmd('SwitchboardSave! ' .. path)
  t.eq(vim.fn.readfile(path), before, '! overwrites')
end)

t.case('one u undoes a whole answer; closing a chat while it answers cancels the answer', function()
  local buf = require('switchboard.chat').new()
  vim.cmd('buffer ' .. buf)
  api.nvim_buf_set_lines(buf, -2, -1, false, { 'undo me' })
  vim.cmd('let &g:undolevels = &g:undolevels') -- an undo break, as typing makes (:help undo-break)
  t.feed('<CR>')
  t.wait_done('to undo')
  t.eq(#t.lines(buf) > 4, true, 'answered')
  vim.cmd('silent undo')
  t.eq(t.lines(buf), { '## You', 'undo me' }, 'one undo step')
  type_and_send('SLOW the chat closes', '<CR>')
  t.ok(vim.wait(10000, function()
    return (t.lines(buf)[5] or ''):find('^echo') ~= nil
  end, 10), 'the stream did not start')
  vim.cmd('bwipeout! ' .. buf)
  t.eq(t.wait_done('closed chat').outcome, 'cancelled', 'the answer was cancelled')
end)

t.case('in Insert mode <C-c> is not mapped (it leaves Insert mode); add file refuses binary files', function()
  sb.chat()
  t.eq(vim.fn.maparg('<C-c>', 'i'), '', 'Insert-mode <C-c>')
  t.ok(vim.fn.maparg('<C-c>', 'n') ~= '', 'Normal-mode <C-c> cancels')
  local file = vim.fn.tempname() .. '.bin'
  local handle = assert(io.open(file, 'wb'))
  handle:write('ELF\0\1\2binary')
  handle:close()
  local before = t.lines()
  vim.cmd('SwitchboardAdd ' .. file)
  t.eq(t.lines(), before, 'nothing pasted')
  t.ok(t.notes[#t.notes].message:find('binary file', 1, true), 'the note: ' .. vim.inspect(t.notes))
end)

t.case('a daemon that cannot start: the chat notes why under the question', function()
  sb.setup({ cmd = { '/nonexistent/switchboard' }, store = false, window = 'botright split' })
  local buf = require('switchboard.chat').new()
  require('switchboard.chat').show(buf, { focus = true })
  type_and_send('anyone there?', '<CR>')
  t.eq(sb.status().last.outcome, 'error', 'outcome')
  t.ok(t.lines()[#t.lines() - 3]:find('^%[error: cannot start the daemon: the daemon "/nonexistent/switchboard" is not an executable'), vim.inspect(t.lines()))
end)

t.finish('chat')
