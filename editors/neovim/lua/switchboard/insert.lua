-- Ask at the cursor: the answer streams into the current buffer, after the cursor (or on a new
-- line below a range, which is sent as context), as one undo step.
local config = require('switchboard.config')
local context = require('switchboard.context')
local request = require('switchboard.request')

local M = {}

local api = vim.api

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
    on_end = function(outcome)
      if outcome.outcome == 'cancelled' then
        vim.notify('switchboard: cancelled', vim.log.levels.INFO)
      end
    end,
  })
end

return M
