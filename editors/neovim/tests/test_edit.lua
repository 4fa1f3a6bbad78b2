-- Editing source buffers: a rewrite shown as a diff and accepted or rejected (one undo step), and
-- an answer streamed in at the cursor. The echo upstream answers a message containing UPPERCASE
-- with its fenced block upper-cased, in a fence; other messages with "echo: <message>".
local t = dofile(debug.getinfo(1, 'S').source:sub(2):match('^(.*)/') .. '/helpers.lua')
local sb = t.load()
local api = vim.api

local function source(lines)
  vim.cmd('silent! tabonly | silent! only | enew! | setlocal filetype=lua')
  api.nvim_buf_set_lines(0, 0, -1, false, lines)
  -- a fresh undo history (:help clear-undo): setting the lines above is not what undo undoes
  local undolevels = vim.bo.undolevels
  vim.bo.undolevels = -1
  vim.cmd('normal! a \27x')
  vim.bo.undolevels = undolevels
  vim.bo.modified = false
  return api.nvim_get_current_buf()
end

local ORIGINAL = { 'local one = 1', 'local two = 2', 'local three = 3', 'return one' }

local function rewrite_and_wait()
  local buf = source(ORIGINAL)
  vim.cmd('2,3SwitchboardRewrite UPPERCASE these')
  t.eq(t.wait_done('rewrite').outcome, 'done', 'outcome')
  t.eq(#api.nvim_list_tabpages(), 2, 'the diff tab')
  t.eq(api.nvim_buf_get_name(0):match('switchboard://rewrite$') ~= nil, true, 'the proposal window is current')
  t.eq(t.lines(), { 'LOCAL TWO = 2', 'LOCAL THREE = 3' }, 'the proposal, out of its fence')
  t.ok(vim.wo.diff, 'the proposal is in diff mode')
  return buf
end

t.case('rewrite: the proposal shows as a diff; ga replaces the lines in one undo step', function()
  local buf = rewrite_and_wait()
  local body = t.last_request()
  t.eq(body.messages[1].role, 'system', 'the rewrite instruction')
  t.eq(body.messages[2].content, table.concat({ 'UPPERCASE these', '', ('File: buffer %d (lines 2-3)'):format(buf),
    '```lua', 'local two = 2', 'local three = 3', '```' }, '\n'), 'the request')
  t.feed('ga')
  t.eq(#api.nvim_list_tabpages(), 1, 'the diff tab is closed')
  t.eq(api.nvim_get_current_buf(), buf, 'back in the source')
  t.eq(t.lines(buf), { 'local one = 1', 'LOCAL TWO = 2', 'LOCAL THREE = 3', 'return one' }, 'accepted')
  vim.cmd('silent undo')
  t.eq(t.lines(buf), ORIGINAL, 'one undo restores the lines')
end)

t.case('rewrite: gr rejects and leaves the lines as they were', function()
  local buf = rewrite_and_wait()
  t.feed('gr')
  t.eq(#api.nvim_list_tabpages(), 1, 'the diff tab is closed')
  t.eq(t.lines(buf), ORIGINAL, 'rejected')
  t.eq(vim.bo[buf].modified, false, 'the buffer is unmodified')
end)

t.case('rewrite: closing its tab by hand rejects it; a new rewrite is taken, accept has nothing to do', function()
  local buf = rewrite_and_wait()
  vim.cmd('tabclose')
  t.eq(require('switchboard.rewrite').active(), false, 'no rewrite on screen')
  local ok, err = pcall(vim.cmd, 'SwitchboardAccept')
  t.ok(ok, 'raw error: ' .. tostring(err))
  t.eq(t.lines(buf), ORIGINAL, 'the lines are untouched')
  t.ok(t.notes[#t.notes].message:find('no rewrite to accept', 1, true), 'the note: ' .. vim.inspect(t.notes))
  rewrite_and_wait()
  t.feed('gr')
end)

t.case('rewrite: closing its tab while it streams cancels the request', function()
  source(ORIGINAL)
  vim.cmd('2,3SwitchboardRewrite SLOW UPPERCASE these')
  t.ok(vim.wait(10000, function()
    return #table.concat(t.lines(), '') > 3
  end, 10), 'the stream did not start')
  vim.cmd('tabclose')
  t.eq(t.wait_done('closed rewrite').outcome, 'cancelled', 'outcome')
  t.eq(require('switchboard.rewrite').active(), false, 'no rewrite on screen')
  t.eq(#api.nvim_list_tabpages(), 1, 'one tab')
end)

t.case('rewrite: an edited proposal is what ga accepts; a changed source is refused', function()
  local buf = rewrite_and_wait()
  api.nvim_buf_set_lines(0, 0, 1, false, { 'local TWO = 2 -- edited' })
  t.feed('ga')
  t.eq(t.lines(buf)[2], 'local TWO = 2 -- edited', 'the edit')
  buf = rewrite_and_wait()
  api.nvim_buf_set_lines(buf, 1, 2, false, { 'changed meanwhile' })
  t.feed('ga')
  t.eq(#api.nvim_list_tabpages(), 2, 'the diff stays open')
  t.ok(t.notes[#t.notes].message:find('changed since'), 'refused: ' .. vim.inspect(t.notes))
  t.feed('gr')
end)

-- The insert preview in `buf`: {row, text} of each extmark, its virtual text and lines joined by
-- newlines (on Neovim 0.7 the whole answer is in virtual lines).
local function preview(buf)
  local shown = {}
  for _, mark in ipairs(api.nvim_buf_get_extmarks(buf, require('switchboard.insert').namespace, 0, -1, { details = true })) do
    local lines = {}
    for _, chunk in ipairs(mark[4].virt_text or {}) do
      table.insert(lines, chunk[1])
    end
    for _, line in ipairs(mark[4].virt_lines or {}) do
      table.insert(lines, line[1][1])
    end
    table.insert(shown, { mark[2], table.concat(lines, '\n') })
  end
  return shown
end

local function wait_preview(buf, what)
  t.ok(vim.wait(5000, function()
    return #preview(buf) == 1 and #preview(buf)[1][2] > 3
  end, 10), what .. ': no preview streamed')
end

t.case('insert: the answer previews after the cursor and goes in whole at the end; a user edit meanwhile stays apart', function()
  local buf = source({ 'before after', 'second' })
  api.nvim_win_set_cursor(0, { 1, 6 }) -- on the space after "before"
  vim.cmd('SwitchboardInsert SLOW say hi')
  wait_preview(buf, 'insert')
  t.eq(preview(buf)[1][1], 0, 'the preview is on the cursor line')
  t.ok(vim.startswith('echo: SLOW say hi', preview(buf)[1][2]), 'the preview: ' .. preview(buf)[1][2])
  t.eq(t.lines(buf), { 'before after', 'second' }, 'nothing in the buffer while it streams')
  t.feed('0iNEW <Esc>') -- the user types on while the answer streams: two changes
  vim.go.undolevels = vim.go.undolevels -- (keys fed at once share an undo block; typed ones do not)
  t.feed('jAx<Esc>')
  t.eq(t.lines(buf), { 'NEW before after', 'secondx' }, "the user's edits")
  t.ok(sb.status().busy, 'the answer was still streaming during the edits')
  t.eq(t.wait_done('insert').outcome, 'done', 'outcome')
  t.eq(t.lines(buf), { 'NEW before echo: SLOW say hiafter', 'secondx' }, 'the answer, after the character once under the cursor')
  t.eq(preview(buf), {}, 'the preview is gone')
  local body = t.last_request()
  t.eq(body.messages[1].role, 'system', 'the insert instruction')
  t.eq(body.messages[2], { role = 'user', content = 'SLOW say hi' }, 'the prompt')
  vim.cmd('silent undo')
  t.eq(t.lines(buf), { 'NEW before after', 'secondx' }, "one undo removes the answer, the user's edits stay")
  vim.cmd('silent undo')
  t.eq(t.lines(buf), { 'NEW before after', 'second' }, "then the user's last edit")
end)

t.case('insert: a cancel or an error inserts nothing, removes the preview and says so', function()
  local buf = source({ 'a = 1', 'b = 2', 'c = 3' })
  vim.cmd('1,2SwitchboardInsert SLOW sum them')
  wait_preview(buf, 'range insert')
  t.eq(preview(buf)[1][1], 1, 'the preview is below the range')
  t.ok(sb.statusline():find('^⟳ switchboard '), 'busy: ' .. sb.statusline())
  -- what a request that ended in `outcome` leaves: the buffer as it was, no preview, a note
  local function nothing_inserted(outcome, note)
    t.eq(t.wait_done(outcome).outcome, outcome, 'outcome')
    t.eq(t.lines(buf), { 'a = 1', 'b = 2', 'c = 3' }, 'the buffer as it was after: ' .. outcome)
    t.eq(vim.bo[buf].modified, false, 'unmodified after: ' .. outcome)
    t.eq(preview(buf), {}, 'no preview after: ' .. outcome)
    t.ok(t.notes[#t.notes].message:find(note, 1, true), 'the note: ' .. vim.inspect(t.notes))
  end
  vim.cmd('SwitchboardCancel')
  nothing_inserted('cancelled', 'cancelled, nothing inserted')
  t.ok(t.last_request().messages[2].content:find('```lua\na = 1\nb = 2\n```', 1, true), 'the range in the request')
  vim.cmd('SwitchboardInsert FAIL401')
  nothing_inserted('error', 'nothing inserted')
end)

t.case('insert: an answer that is one fenced block goes in without its fence, in one undo step', function()
  local buf = source({ 'local one = 1', 'local two = 2', 'return one' })
  vim.cmd('1,2SwitchboardInsert UPPERCASE')
  t.eq(t.wait_done('fenced insert').outcome, 'done', 'outcome')
  t.eq(t.lines(buf), { 'local one = 1', 'local two = 2', 'LOCAL ONE = 1', 'LOCAL TWO = 2', 'return one' }, 'the code, unfenced')
  vim.cmd('silent undo')
  t.eq(t.lines(buf), { 'local one = 1', 'local two = 2', 'return one' }, 'one undo removes it')
  local unfenced = require('switchboard.conversation').unfenced
  t.eq(unfenced('```py\nx = 1\n```\n'), 'x = 1', 'one block')
  t.eq(unfenced('Here:\n```py\nx\n```'), nil, 'text around')
  t.eq(unfenced('```\na\n```\n\n```\nb\n```'), nil, 'two blocks')
end)

t.case('<Leader>ar and <Leader>ai ask for the instruction and the prompt', function()
  source(ORIGINAL)
  t.feed('2GVj\\arUPPERCASE these<CR>')
  t.eq(t.wait_done('rewrite by keys').outcome, 'done', 'outcome')
  t.eq(t.lines(), { 'LOCAL TWO = 2', 'LOCAL THREE = 3' }, '<Leader>ar: the proposal')
  t.feed('gr')
  t.feed('G$\\aisay hi<CR>')
  t.eq(t.wait_done('insert by keys').outcome, 'done', 'outcome')
  t.eq(t.lines()[4], 'return oneecho: say hi', '<Leader>ai: after the cursor')
end)

t.finish('edit')
