-- The chat buffer `switchboard://chat`: a scratch markdown buffer the conversation is written to,
-- one "## You" / "## Assistant" block per turn, the answer growing at its end as it streams.
local M = {}

M.NAME = 'switchboard://chat'

local api = vim.api

local function find()
  for _, buf in ipairs(api.nvim_list_bufs()) do
    if api.nvim_buf_is_valid(buf) and api.nvim_buf_get_name(buf) == M.NAME then
      return buf
    end
  end
end

--- The chat buffer, created when missing.
function M.get()
  local buf = find()
  if buf then
    return buf
  end
  buf = api.nvim_create_buf(true, true)
  api.nvim_buf_set_name(buf, M.NAME)
  api.nvim_buf_set_option(buf, 'filetype', 'markdown')
  return buf
end

--- Shows the chat buffer in a window of the current tab page (opening one with `window_cmd` if
--- none shows it) without leaving the current window. Returns the buffer.
function M.show(window_cmd)
  local buf = M.get()
  if vim.fn.bufwinid(buf) == -1 then
    local previous = api.nvim_get_current_win()
    vim.cmd(window_cmd)
    api.nvim_win_set_buf(0, buf)
    if api.nvim_win_is_valid(previous) then
      api.nvim_set_current_win(previous)
    end
  end
  return buf
end

-- Moves the cursor of each window showing `buf` to its end, except the current window's when its
-- cursor is elsewhere (the user is reading or editing).
local function follow(buf, old_last)
  local last = api.nvim_buf_line_count(buf)
  local current = api.nvim_get_current_win()
  for _, win in ipairs(vim.fn.win_findbuf(buf)) do
    if win ~= current or api.nvim_win_get_cursor(win)[1] >= old_last then
      api.nvim_win_set_cursor(win, { last, 0 })
    end
  end
end

local function is_empty(buf)
  return api.nvim_buf_line_count(buf) == 1 and api.nvim_buf_get_lines(buf, 0, 1, false)[1] == ''
end

--- Appends `lines` as new lines at the end (replacing the empty line of an empty buffer).
function M.add_lines(buf, lines)
  local last = api.nvim_buf_line_count(buf)
  local first = is_empty(buf) and 0 or last
  api.nvim_buf_set_lines(buf, first, -1, false, lines)
  follow(buf, last)
end

--- Appends `text` to the end of the last line; its newlines start new lines.
function M.add_text(buf, text)
  if not api.nvim_buf_is_loaded(buf) then
    return -- wiped while the answer streamed
  end
  local last = api.nvim_buf_line_count(buf)
  local parts = vim.split(text, '\n', { plain = true })
  parts[1] = api.nvim_buf_get_lines(buf, last - 1, last, false)[1] .. parts[1]
  api.nvim_buf_set_lines(buf, last - 1, last, false, parts)
  follow(buf, last)
end

--- Starts a turn: the question under "## You", then an "## Assistant" block whose last line the
--- answer streams into.
function M.start_turn(buf, question)
  local lines = is_empty(buf) and {} or { '' }
  table.insert(lines, '## You')
  vim.list_extend(lines, vim.split(question, '\n', { plain = true }))
  vim.list_extend(lines, { '', '## Assistant', '' })
  M.add_lines(buf, lines)
end

--- Ends the answer, with `note` (such as "[cancelled]") on a line of its own when given.
function M.end_turn(buf, note)
  if note and api.nvim_buf_is_loaded(buf) then
    local last = api.nvim_buf_line_count(buf)
    if api.nvim_buf_get_lines(buf, last - 1, last, false)[1] == '' then
      api.nvim_buf_set_lines(buf, last - 1, last, false, { note })
    else
      M.add_lines(buf, { note })
    end
  end
end

--- Empties the buffer (a new conversation).
function M.clear(buf)
  api.nvim_buf_set_lines(buf, 0, -1, false, {})
end

return M
