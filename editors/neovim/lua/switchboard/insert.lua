-- Ask at the cursor: the answer streams in as a preview (extmarks: virtual text, nothing in the
-- buffer) after the cursor, or below a range, which is sent as context. When it ends it goes into
-- the buffer as one change, its own undo step, whatever the user edited meanwhile; a cancel or an
-- error inserts nothing.
local config = require('switchboard.config')
local context = require('switchboard.context')
local conversation = require('switchboard.conversation')
local request = require('switchboard.request')

local M = {}

local api = vim.api
local namespace = api.nvim_create_namespace('switchboard.insert')
-- virtual text at a column, inside the line's text (Neovim 0.10 and later)
local inline = vim.fn.has('nvim-0.10') == 1

--- The namespace of the previews' extmarks.
M.namespace = namespace

-- Shows `text` (the answer so far) as the preview at (row, col): on its row after the column
-- (Neovim ≥ 0.10; older ones show that line below too) and its further lines below the row.
local function show_preview(buf, preview, row, col, text)
  local lines = vim.split(text, '\n', { plain = true })
  local opts = { id = preview, virt_lines = {} }
  if inline and col ~= nil then
    opts.virt_text = { { table.remove(lines, 1), 'Comment' } }
    opts.virt_text_pos = 'inline'
  end
  for _, line in ipairs(lines) do
    table.insert(opts.virt_lines, { { line, 'Comment' } })
  end
  return api.nvim_buf_set_extmark(buf, namespace, row, col or 0, opts)
end

-- Starts a new undo block in `buf`: setting 'undolevels' syncs undo (`:help undo-blocks`), so a
-- change made next is not joined to the user's last one, nor the user's next to it.
local function break_undo(buf)
  api.nvim_buf_call(buf, function()
    vim.go.undolevels = vim.go.undolevels
  end)
end

-- Puts `lines` into `buf` as one change: at (row, col), or below row `row` when col is nil.
-- Cursors at that point move to the answer's last character.
local function put(buf, row, col, lines)
  break_undo(buf)
  local wins = {}
  for _, win in ipairs(vim.fn.win_findbuf(buf)) do
    local cursor = api.nvim_win_get_cursor(win)
    if cursor[1] - 1 == row and (col == nil or cursor[2] == math.max(0, col - 1) or cursor[2] == col) then
      table.insert(wins, win)
    end
  end
  local last_row, last_col
  if col == nil then
    api.nvim_buf_set_lines(buf, row + 1, row + 1, false, lines)
    last_row, last_col = row + #lines, #lines[#lines]
  else
    api.nvim_buf_set_text(buf, row, col, row, col, lines)
    last_row, last_col = row + #lines - 1, (#lines == 1 and col or 0) + #lines[#lines]
  end
  break_undo(buf)
  for _, win in ipairs(wins) do
    api.nvim_win_set_cursor(win, { last_row + 1, math.max(0, last_col - 1) })
  end
end

--- Streams the answer to `prompt` as a preview after the cursor in the current buffer, or below
--- lines `line1`..`line2` (1-based) when given, which go with the prompt; inserts it when done.
function M.start(prompt, line1, line2)
  local buf = api.nvim_get_current_buf()
  local user = prompt
  local row, col
  if line1 then
    user = table.concat(vim.list_extend({ prompt, '' }, context.lines(buf, line1, line2)), '\n')
    row = line2 - 1 -- the answer goes on new lines below this one
  else
    local cursor = api.nvim_win_get_cursor(0)
    local line = api.nvim_get_current_line()
    row = cursor[1] - 1
    -- after the character under the cursor, as `a` would
    local char = vim.fn.strpart(line, cursor[2], 1, true)
    col = math.min(#line, cursor[2] + #char)
  end
  local preview
  return request.start({
    messages = { { role = 'system', content = config.options.insert_prompt }, { role = 'user', content = user } },
    model = config.options.model,
  }, {
    buf = buf,
    row = row,
    col = col or 0,
    cancel_hint = require('switchboard.keymaps').hint('cancel'),
    preview = function(text, job)
      local at_row, at_col = request.end_of(job)
      preview = show_preview(buf, preview, at_row, col and at_col, text)
    end,
    on_end = function(outcome, job)
      local at_row, at_col = request.end_of(job)
      if preview and api.nvim_buf_is_valid(buf) then
        api.nvim_buf_del_extmark(buf, namespace, preview)
      end
      if outcome.outcome == 'done' and api.nvim_buf_is_loaded(buf) and outcome.text ~= '' then
        local text = conversation.unfenced(outcome.text) or outcome.text
        put(buf, at_row, col and at_col, vim.split(text, '\n', { plain = true }))
      elseif outcome.outcome == 'cancelled' then
        vim.notify('switchboard: cancelled, nothing inserted', vim.log.levels.INFO)
      elseif outcome.outcome == 'error' then
        vim.notify('switchboard: the answer failed, nothing inserted', vim.log.levels.WARN)
      end
    end,
  })
end

return M
