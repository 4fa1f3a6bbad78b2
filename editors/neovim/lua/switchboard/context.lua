-- Context for the chat input, as fenced blocks under a title line: a range of lines, a whole
-- buffer, a file, a buffer's diagnostics.
local conversation = require('switchboard.conversation')

local M = {}

local api = vim.api

local function display_name(buf)
  local name = api.nvim_buf_get_name(buf)
  return name == '' and ('buffer ' .. buf) or vim.fn.fnamemodify(name, ':~:.')
end

--- Lines `line1`..`line2` (1-based) of `buf`.
function M.lines(buf, line1, line2)
  local text = table.concat(api.nvim_buf_get_lines(buf, line1 - 1, line2, false), '\n')
  local title = ('File: %s (lines %d-%d)'):format(display_name(buf), line1, line2)
  return conversation.fenced(title, text, vim.bo[buf].filetype)
end

--- The whole of `buf`.
function M.buffer(buf)
  local text = table.concat(api.nvim_buf_get_lines(buf, 0, -1, false), '\n')
  return conversation.fenced('File: ' .. display_name(buf), text, vim.bo[buf].filetype)
end

--- The file at `path`, or the buffer named `path` when it is loaded; nil and a message otherwise.
function M.named(path)
  local buf = vim.fn.bufnr(path)
  if buf ~= -1 and api.nvim_buf_is_loaded(buf) then
    return M.buffer(buf)
  end
  local file = vim.fn.expand(path)
  if vim.fn.filereadable(file) ~= 1 then
    return nil, ('no buffer or readable file %q'):format(path)
  end
  local handle = io.open(file, 'rb')
  local head = handle and handle:read(8000) or ''
  if handle then
    handle:close()
  end
  if head:find('\0', 1, true) then
    return nil, ('%s is a binary file (:SwitchboardImage attaches an image)'):format(path)
  end
  local text = table.concat(vim.fn.readfile(file), '\n')
  return conversation.fenced('File: ' .. vim.fn.fnamemodify(file, ':~:.'), text, vim.fn.fnamemodify(file, ':e'))
end

--- The diagnostics of `buf` (vim.diagnostic), one a line.
function M.diagnostics(buf)
  local lines = {}
  for _, d in ipairs(vim.diagnostic.get(buf)) do
    local severity = vim.diagnostic.severity[d.severity] or '?'
    table.insert(lines, ('%s:%d:%d: %s: %s'):format(display_name(buf), d.lnum + 1, d.col + 1, severity, d.message))
  end
  if #lines == 0 then
    return nil, 'no diagnostics in ' .. display_name(buf)
  end
  return conversation.fenced('Diagnostics of ' .. display_name(buf) .. ':', table.concat(lines, '\n'))
end

return M
