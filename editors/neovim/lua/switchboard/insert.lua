-- Ask at the cursor: the answer streams into the current buffer, after the cursor (or on a new
-- line below a range, which is sent as context), as one undo step.
local config = require('switchboard.config')
local context = require('switchboard.context')
local conversation = require('switchboard.conversation')
local request = require('switchboard.request')

local M = {}

local api = vim.api
local namespace = api.nvim_create_namespace('switchboard.insert')

-- Replaces an answer that is one fenced block (from mark `start` to `end_row`, `end_col`) with
-- its inside, in the answer's undo step.
local function unfence(buf, start, text, end_row, end_col)
  local inside = conversation.unfenced(text)
  if not inside then
    return
  end
  local mark = api.nvim_buf_get_extmark_by_id(buf, namespace, start, {})
  api.nvim_buf_call(buf, function()
    pcall(vim.cmd, 'undojoin')
    api.nvim_buf_set_text(buf, mark[1], mark[2], end_row, end_col, vim.split(inside, '\n', { plain = true }))
  end)
end

--- Streams the answer to `prompt` into the current buffer: after the cursor, or below lines
--- `line1`..`line2` (1-based) when given, which go with the prompt.
function M.start(prompt, line1, line2)
  local buf = api.nvim_get_current_buf()
  local user = prompt
  local row, col
  if line1 then
    user = table.concat(vim.list_extend({ prompt, '' }, context.lines(buf, line1, line2)), '\n')
    api.nvim_buf_set_lines(buf, line2, line2, false, { '' })
    row, col = line2, 0
  else
    local cursor = api.nvim_win_get_cursor(0)
    local line = api.nvim_get_current_line()
    row = cursor[1] - 1
    -- after the character under the cursor, as `a` would
    local char = vim.fn.strpart(line, cursor[2], 1, true)
    col = math.min(#line, cursor[2] + #char)
  end
  -- the answer's start, staying before the text inserted there
  local start = api.nvim_buf_set_extmark(buf, namespace, row, col, { right_gravity = false })
  return request.start({
    messages = { { role = 'system', content = config.options.insert_prompt }, { role = 'user', content = user } },
    model = config.options.model,
  }, {
    buf = buf,
    row = row,
    col = col,
    undo = true,
    joined = line1 ~= nil, -- the new line is part of the answer's undo step
    cancel_hint = require('switchboard.keymaps').hint('cancel'),
    on_end = function(outcome, job)
      if outcome.outcome == 'cancelled' then
        vim.notify('switchboard: cancelled', vim.log.levels.INFO)
      elseif outcome.outcome == 'done' and api.nvim_buf_is_loaded(buf) then
        unfence(buf, start, outcome.text, request.end_of(job))
      end
      if api.nvim_buf_is_valid(buf) then
        api.nvim_buf_del_extmark(buf, namespace, start)
      end
    end,
  })
end

return M
