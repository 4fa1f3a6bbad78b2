-- switchboard.nvim: chat with an OpenAI-compatible API through the switchboard daemon, the
-- answer streaming into the buffer switchboard://chat.
local config = require('switchboard.config')
local rpc = require('switchboard.rpc')
local buffer = require('switchboard.buffer')

local M = {}

local state = {
  connection = nil,
  -- the request in flight: {id, cancelling}
  current = nil,
  -- the outcome of the last request: {outcome = 'done'|'cancelled'|'error', text, result, error}
  last = nil,
  -- the conversation so far, as chat messages
  history = {},
}

local function notify_error(message)
  vim.notify('switchboard: ' .. message, vim.log.levels.ERROR)
end

--- Sets the options (see config.lua and :help switchboard-setup).
function M.setup(opts)
  config.set(opts)
end

--- The running daemon's connection, started on first use; nil (after an error message) when it
--- cannot start.
function M.connection()
  if state.connection and not state.connection.exited then
    return state.connection
  end
  local connection, err = rpc.start(config.options)
  if not connection then
    notify_error('cannot start the daemon: ' .. err)
    return nil
  end
  state.connection = connection
  return connection
end

--- {busy, last}: whether a request is in flight, and how the last one ended.
function M.status()
  return { busy = state.current ~= nil, last = state.last }
end

-- Sends `method` with `params` and streams the answer into the chat buffer's last turn.
-- `answer_of(result)` extracts the answer text from the result; `on_end(outcome)` runs last.
local function stream(buf, method, params, answer_of, on_end)
  local streamed = {}
  local function finish(outcome, note)
    buffer.end_turn(buf, note)
    state.current, state.last = nil, outcome
    on_end(outcome)
    vim.api.nvim_exec_autocmds('User', { pattern = 'SwitchboardDone', modeline = false })
  end
  local connection = M.connection()
  if not connection then
    return finish({ outcome = 'error', error = { message = 'the daemon is not running' } }, '[error: no daemon]')
  end
  local function on_delta(delta)
    local content = delta.index == 0 and delta.delta and delta.delta.content
    if type(content) == 'string' and content ~= '' then
      table.insert(streamed, content)
      buffer.add_text(buf, content)
      vim.api.nvim_exec_autocmds('User', { pattern = 'SwitchboardDelta', modeline = false })
    end
  end
  local function on_result(err, result)
    local text = table.concat(streamed)
    if err and err.code == rpc.CANCELLED then
      return finish({ outcome = 'cancelled', text = text, error = err }, '[cancelled]')
    elseif err then
      notify_error(err.message)
      return finish({ outcome = 'error', text = text, error = err }, ('[error %s: %s]'):format(tostring(err.code), err.message))
    end
    -- an upstream that ignored `stream` sends the whole answer in the result only
    local answer = answer_of(result) or ''
    if #streamed == 0 and answer ~= '' then
      buffer.add_text(buf, answer)
      text = answer
    end
    finish({ outcome = 'done', text = text, result = result })
  end
  params.stream = true
  params.profile = config.options.profile
  local id = connection:request(method, params, on_result, on_delta)
  if id then
    state.current = { id = id }
  end
end

local function refuse_when_busy()
  if state.current then
    vim.notify('switchboard: a request is in flight; :SwitchboardCancel stops it', vim.log.levels.WARN)
    return true
  end
  return false
end

--- Sends `prompt` as the next user message of the conversation; `opts.new` starts a new one.
function M.chat(prompt, opts)
  opts = opts or {}
  if refuse_when_busy() then
    return
  end
  local buf = buffer.show(config.options.window)
  if opts.new then
    state.history = {}
    buffer.clear(buf)
  end
  buffer.start_turn(buf, prompt)
  table.insert(state.history, { role = 'user', content = prompt })
  local params = { messages = vim.deepcopy(state.history), model = config.options.model }
  stream(buf, 'chat.complete', params, function(result)
    local choice = result and result.choices and result.choices[1]
    return choice and choice.message and choice.message.content
  end, function(outcome)
    if outcome.outcome == 'error' then
      table.remove(state.history) -- the question stays unanswered: leave it out of the context
    else
      table.insert(state.history, { role = 'assistant', content = outcome.text })
    end
  end)
end

--- Asks the vision model to describe the image file `path` (or URL), streaming the answer into
--- the chat buffer; `prompt` replaces the daemon's default question.
function M.describe_image(path, prompt)
  if refuse_when_busy() then
    return
  end
  local image = path:match('^%a[%w+.-]*://') and path or vim.fn.fnamemodify(vim.fn.expand(path), ':p')
  local buf = buffer.show(config.options.window)
  buffer.start_turn(buf, ('[image %s]%s'):format(image, prompt and ('\n' .. prompt) or ''))
  local params = { image = image, prompt = prompt, model = config.options.vision_model }
  stream(buf, 'chat.describeImage', params, function(result)
    return result and result.text
  end, function() end)
end

--- Cancels the request in flight; its answer then ends with "[cancelled]".
function M.cancel()
  if not state.current then
    vim.notify('switchboard: no request in flight', vim.log.levels.INFO)
    return
  end
  state.current.cancelling = true
  state.connection:cancel(state.current.id)
end

--- Uses `name` as the model of the next chat requests (nil: the daemon's default_model).
function M.set_model(name)
  config.options.model = name
end

--- Uses profile `name` for the next requests (nil: the daemon's default_profile), after the
--- daemon confirmed it knows it; `on_done(err)` runs when decided.
function M.set_profile(name, on_done)
  on_done = on_done or function() end
  if name == nil then
    config.options.profile = nil
    return on_done(nil)
  end
  local connection = M.connection()
  if not connection then
    return on_done({ message = 'the daemon is not running' })
  end
  connection:request('config.get', { profile = name }, function(err)
    if err then
      notify_error(err.message)
    else
      config.options.profile = name
    end
    on_done(err)
  end)
end

--- Calls `on_models(ids)` with the ids the upstream's models.list offers.
function M.list_models(on_models)
  local connection = M.connection()
  if not connection then
    return
  end
  connection:request('models.list', { profile = config.options.profile }, function(err, result)
    if err then
      return notify_error(err.message)
    end
    local ids = {}
    for _, model in ipairs(result and result.data or {}) do
      table.insert(ids, model.id)
    end
    on_models(ids)
  end)
end

--- Stops the daemon (shutdown, then exit). Returns true when it is no longer running.
function M.shutdown()
  local connection = state.connection
  state.connection = nil
  return connection == nil or connection:stop(config.options.timeout_ms)
end

return M
