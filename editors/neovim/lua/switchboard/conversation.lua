-- A conversation written as Markdown (the format every Switchboard editor client shares, see
-- editors/README.md): blocks under the headings "## System", "## You" and "## Assistant";
-- headings inside fenced code are text; a "## You" line `![...](path or URL)` attaches an image.
-- Pure functions over lists of lines, so that a chat buffer and a saved .md file read alike.
local M = {}

M.HEADINGS = { ['## System'] = 'system', ['## You'] = 'user', ['## Assistant'] = 'assistant' }
M.CANCELLED = '[cancelled]'
M.CUT_OFF = '[cut off]'

local function trimmed(lines)
  local first, last = 1, #lines
  while first <= last and vim.trim(lines[first]) == '' do
    first = first + 1
  end
  while last >= first and vim.trim(lines[last]) == '' do
    last = last - 1
  end
  return vim.list_slice(lines, first, last)
end

--- Whether `line` is a note that ends an answer: [cancelled], [cut off] or [error ...].
function M.is_note(line)
  line = vim.trim(line)
  return line == M.CANCELLED or line == M.CUT_OFF or line:match('^%[error[ :].*%]$') ~= nil
end

--- The fence open after `line` when `fence` was open before it (nil: none).
local function fence_after(fence, line)
  local ticks = line:match('^%s*(```+)')
  if ticks and not fence then
    return ticks
  elseif fence and line:match('^%s*' .. fence .. '`*%s*$') then
    return nil
  end
  return fence
end

--- The fence `lines` leave open (as "```"), or nil when every fence is closed.
function M.open_fence(lines)
  local fence
  for _, line in ipairs(lines) do
    fence = fence_after(fence, line)
  end
  return fence
end

-- Whether the line after `number` that is not blank is a heading (or there is none).
local function heading_follows(lines, number)
  for next = number + 1, #lines do
    if vim.trim(lines[next]) ~= '' then
      return M.HEADINGS[vim.trim(lines[next])] ~= nil
    end
  end
  return true
end

--- Whether `line` starts a tool call's record in an answer: "> [tool] NAME … STATUS".
function M.is_tool_record(line)
  return line:match('^> %[tool%] ') ~= nil
end

--- Whether `line` is a detail of the tool call record above it: ">  " and more.
function M.is_tool_detail(line)
  return line:match('^>  ') ~= nil
end

--- The blocks of `lines`: a list of {role, lines, first} (`first`: the heading's 1-based line).
--- Text before the first heading belongs to no block. A note ending an answer, followed by a
--- heading, closes a fence the answer left open (chats written before answers closed theirs).
--- Tool call records in an answer (outside fences) are not part of its text.
function M.blocks(lines)
  local blocks, current, fence, record = {}, nil, nil, false
  for number, line in ipairs(lines) do
    local role = not fence and M.HEADINGS[vim.trim(line)]
    local answering = current and current.role == 'assistant' and not fence
    record = answering and (M.is_tool_record(line) or (record and M.is_tool_detail(line)))
    if role then
      current = { role = role, lines = {}, first = number }
      table.insert(blocks, current)
    elseif record then
      -- a tool call record: not the answer's text
    else
      if fence and current and current.role == 'assistant' and M.is_note(line) and heading_follows(lines, number) then
        fence = nil
      else
        fence = fence_after(fence, line)
      end
      if current then
        table.insert(current.lines, line)
      end
    end
  end
  return blocks
end

--- The image a "## You" line attaches, or nil.
local function image_of(line)
  return line:match('^%s*!%[[^%]]*%]%((.+)%)%s*$')
end

--- `target` as the daemon takes it: URLs as they are, paths made absolute against `base_dir`.
function M.image_url(target, base_dir)
  if target:match('^%a[%w+.-]*:') then
    return target
  end
  local path = vim.fn.expand(target)
  if path:sub(1, 1) ~= '/' and base_dir then
    path = base_dir .. '/' .. path
  end
  return vim.fn.fnamemodify(path, ':p')
end

local function user_content(lines, base_dir)
  local text, images = {}, {}
  for _, line in ipairs(lines) do
    local image = image_of(line)
    if image then
      table.insert(images, { type = 'image_url', image_url = { url = M.image_url(image, base_dir) } })
    else
      table.insert(text, line)
    end
  end
  local joined = table.concat(trimmed(text), '\n')
  if #images == 0 then
    return joined
  end
  return vim.list_extend({ { type = 'text', text = joined } }, images)
end

--- The chat messages of `lines`. Relative image paths are resolved against `base_dir`. An answer's
--- closing note ([cancelled], [cut off], [error ...]) is left out (the partial text stays); an
--- answer that is only an error is left out with the question it failed to answer; empty blocks too.
function M.messages(lines, base_dir)
  local messages = {}
  for _, block in ipairs(M.blocks(lines)) do
    local body = trimmed(block.lines)
    local failed = false
    if block.role == 'assistant' and #body > 0 and M.is_note(body[#body]) then
      failed = vim.startswith(vim.trim(body[#body]), '[error')
      body = trimmed(vim.list_slice(body, 1, #body - 1))
    end
    local text = table.concat(body, '\n')
    if block.role == 'assistant' and (text:match('^%[error') or (failed and text == '')) then
      if messages[#messages] and messages[#messages].role == 'user' then
        table.remove(messages)
      end
    elseif text ~= '' then
      local content = block.role == 'user' and user_content(body, base_dir) or text
      table.insert(messages, { role = block.role, content = content })
    end
  end
  return messages
end

--- Whether the messages hold an image.
function M.has_image(messages)
  for _, message in ipairs(messages) do
    if type(message.content) == 'table' then
      return true
    end
  end
  return false
end

--- The last block when it is a "## You" block with text (the message to send), else nil.
function M.pending(lines)
  local blocks = M.blocks(lines)
  local last = blocks[#blocks]
  if last and last.role == 'user' and #trimmed(last.lines) > 0 then
    return last
  end
end

--- The lines of a new conversation: an optional system prompt, then an empty "## You" block.
function M.new(system)
  local lines = {}
  if system and system ~= '' then
    lines = vim.list_extend({ '## System' }, vim.split(system, '\n', { plain = true }))
    table.insert(lines, '')
  end
  return vim.list_extend(lines, { '## You', '' })
end

--- `text` as a fenced block under a title line (a fence longer than any run of backticks inside).
function M.fenced(title, text, filetype)
  local longest = 2
  for run in text:gmatch('```+') do
    longest = math.max(longest, #run)
  end
  local fence = string.rep('`', longest + 1)
  local lines = { title, fence .. (filetype or '') }
  vim.list_extend(lines, vim.split(text, '\n', { plain = true }))
  table.insert(lines, fence)
  return lines
end

--- The inside of `text` when the whole of it (trailing blanks aside) is one fenced block, else nil:
--- an answer inserted at the cursor keeps no fence a model added although it was asked not to.
function M.unfenced(text)
  local lines = vim.split((text:gsub('%s+$', '')), '\n', { plain = true })
  local fence = lines[1] and lines[1]:match('^(```+)[%w_+.#-]*%s*$')
  if not fence or #lines < 2 or not lines[#lines]:match('^' .. fence .. '%s*$') then
    return nil
  end
  local inside = vim.list_slice(lines, 2, #lines - 1)
  for _, line in ipairs(inside) do
    if line:match('^%s*' .. fence .. '`*%s*$') then
      return nil -- more than one block
    end
  end
  return table.concat(inside, '\n')
end

--- The code of a model's answer: the content of its first fenced block, or the whole answer
--- (trimmed) when it has none, as lines.
function M.code_of(text)
  local lines = vim.split(text, '\n', { plain = true })
  local first, fence
  for number, line in ipairs(lines) do
    if not fence then
      fence = line:match('^%s*(```+)')
      first = number
    elseif line:match('^%s*' .. fence .. '`*%s*$') then
      return vim.list_slice(lines, first + 1, number - 1)
    end
  end
  return trimmed(lines)
end

return M
