-- The upstream's models, kept to those that chat (models.list also lists embedding, speech,
-- transcription and image models, which chat.complete cannot use).
local config = require('switchboard.config')
local daemon = require('switchboard.daemon')

local M = {}

-- Lua patterns of model ids that are not chat models.
M.NOT_CHAT = { 'embed', 'whisper', 'tts', 'dall%-e', 'moderation', 'transcribe', 'davinci', 'babbage', 'gpt%-image' }

function M.is_chat(id)
  for _, pattern in ipairs(M.NOT_CHAT) do
    if id:lower():find(pattern) then
      return false
    end
  end
  return true
end

--- The chat model ids in a models.list result.
function M.chat_ids(result)
  local ids = {}
  for _, model in ipairs(result and result.data or {}) do
    if type(model.id) == 'string' and M.is_chat(model.id) then
      table.insert(ids, model.id)
    end
  end
  return ids
end

--- Calls `on_models(ids)` with the upstream's chat models (after reporting an error, not at all).
function M.list(on_models)
  local connection, err = daemon.get()
  if not connection then
    return vim.notify('switchboard: ' .. err, vim.log.levels.ERROR)
  end
  connection:request('models.list', { profile = config.options.profile }, function(e, result)
    if e then
      return vim.notify('switchboard: ' .. e.message, vim.log.levels.ERROR)
    end
    on_models(M.chat_ids(result))
  end)
end

local DEFAULT = "(the daemon's default_model)"

--- Lets the user pick a chat model with vim.ui.select; `on_pick(name)` gets nil for the daemon's
--- default.
function M.pick(on_pick)
  M.list(function(ids)
    table.insert(ids, 1, DEFAULT)
    vim.ui.select(ids, { prompt = 'Model (now ' .. (config.options.model or DEFAULT) .. ')' }, function(choice)
      if choice then
        on_pick(choice ~= DEFAULT and choice or nil)
      end
    end)
  end)
end

return M
