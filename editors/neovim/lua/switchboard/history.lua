-- The daemon's conversation store as history: a picker over conversations.list, and a stored
-- conversation (from this editor, another one, a script or ACP) opened as a chat buffer that
-- goes on in the same conversation.
local chat = require('switchboard.chat')
local conversation = require('switchboard.conversation')
local daemon = require('switchboard.daemon')
local request = require('switchboard.request')

local M = {}

local api = vim.api

local function notify(message, level)
  vim.notify('switchboard: ' .. message, level or vim.log.levels.INFO)
end

-- The text of a stored message's content: a string, or parts (text joined, images as lines that
-- attach them).
local function content_lines(content)
  if type(content) == 'string' then
    return vim.split(content, '\n', { plain = true })
  end
  local lines = {}
  for _, part in ipairs(type(content) == 'table' and content or {}) do
    if part.type == 'text' and type(part.text) == 'string' then
      vim.list_extend(lines, vim.split(part.text, '\n', { plain = true }))
    elseif part.type == 'image_url' and type(part.image_url) == 'table' then
      table.insert(lines, ('![image](%s)'):format(part.image_url.url))
    end
  end
  return lines
end

local HEADINGS = { system = '## System', user = '## You', assistant = '## Assistant' }

--- The chat lines of stored `messages` (conversations.get's): one "## Assistant" block per run,
--- its tool calls as records (with their results), a cancelled answer ending with [cancelled];
--- then an empty "## You" block to go on in.
function M.render(messages)
  local lines, role = {}, nil
  local function block(new_role)
    if role ~= new_role then
      if #lines > 0 then
        table.insert(lines, '')
      end
      table.insert(lines, HEADINGS[new_role])
      role = new_role
    end
  end
  for index, message in ipairs(messages) do
    if HEADINGS[message.role] then
      block(message.role)
      -- the results of its calls: the tool messages right after it (ids can repeat from one
      -- turn to the next)
      local results = {}
      for after = index + 1, #messages do
        local answer = messages[after]
        if answer.role ~= 'tool' then
          break
        end
        if answer.tool_call_id then
          results[answer.tool_call_id] = answer.content
        end
      end
      local text = content_lines(message.content)
      vim.list_extend(lines, #text == 1 and text[1] == '' and {} or text)
      for _, call in ipairs(message.role == 'assistant' and type(message.tool_calls) == 'table' and message.tool_calls or {}) do
        local fn = call['function'] or {}
        local ok, arguments = pcall(vim.json.decode, fn.arguments or '')
        local result = results[call.id]
        vim.list_extend(lines, request.tool_record({
          name = fn.name,
          status = 'called',
          arguments = ok and arguments or fn.arguments,
          result = type(result) == 'string' and result or (result and table.concat(content_lines(result), '\n')),
        }))
      end
      if message.status == 'cancelled' then
        local fence = conversation.open_fence(text)
        if fence then
          table.insert(lines, fence)
        end
        table.insert(lines, conversation.CANCELLED)
      end
    end
  end
  if #lines > 0 then
    table.insert(lines, '')
  end
  vim.list_extend(lines, { '## You', '' })
  return lines
end

--- Opens stored conversation `id` in a new chat buffer that continues it; `done(buf)` gets the
--- buffer (nil when it could not be read).
function M.open(id, done)
  done = done or function() end
  local connection, err = daemon.get()
  if not connection then
    notify(err, vim.log.levels.ERROR)
    return done(nil)
  end
  connection:request('conversations.get', { id = id }, function(e, result)
    if e then
      notify(e.message, vim.log.levels.ERROR)
      return done(nil)
    end
    local buf = chat.new()
    api.nvim_buf_set_lines(buf, 0, -1, false, M.render(result.messages or {}))
    chat.set_conversation_id(buf, id)
    if type(result.title) == 'string' then
      api.nvim_buf_set_var(buf, 'switchboard_title', result.title)
    end
    chat.show(buf, { focus = true })
    done(buf)
  end)
end

-- "title · when" for the picker.
local function label(item)
  local when = tonumber(item.updated_at) and os.date('%Y-%m-%d %H:%M', math.floor(item.updated_at)) or ''
  return ('%s  · %s'):format(item.title ~= nil and item.title ~= '' and item.title or '(untitled)', when)
end

--- Lists the stored conversations (newest first) in vim.ui.select; the one picked opens as a
--- chat. `done(buf)` runs after (nil when nothing was opened).
function M.pick(done)
  done = done or function() end
  local connection, err = daemon.get()
  if not connection then
    notify(err, vim.log.levels.ERROR)
    return done(nil)
  end
  connection:request('conversations.list', { limit = 200 }, function(e, result)
    if e then
      notify(e.message, vim.log.levels.ERROR)
      return done(nil)
    end
    local items = type(result) == 'table' and result.conversations or {}
    if #items == 0 then
      notify('no stored conversations yet')
      return done(nil)
    end
    vim.ui.select(items, { prompt = 'Conversation', format_item = label, kind = 'switchboard.history' }, function(item)
      if not item then
        return done(nil)
      end
      M.open(item.id, done)
    end)
  end)
end

return M
