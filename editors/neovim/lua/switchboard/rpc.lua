-- One running switchboard daemon, spoken to in NDJSON (one JSON text a line, which the daemon
-- detects and then answers in) over its stdin and stdout.
--
-- The transport is the plugin's own rather than vim.lsp.rpc: during an agent run the daemon sends
-- requests of its own (tool.approve, tool.execute), answered when the user or the tool is done,
-- which vim.lsp.rpc can only answer at once (up to 0.9); and vim.lsp.rpc drops -32800 answers.
local M = {}

M.CANCELLED = -32800
M.METHOD_NOT_FOUND = -32601
--- Called with the id of each conversation another process changed (conversations.changed).
M.on_conversation_changed = function(_) end

local uv = vim.uv or vim.loop

local Connection = {}
Connection.__index = Connection

--- Starts the daemon `opts.cmd` and waits (up to opts.timeout_ms) for its `initialize` answer,
--- sending opts.config as the initial configuration layer. Returns the connection, or nil and a
--- message.
function M.start(opts)
  local program = opts.cmd[1]
  if vim.fn.executable(program) ~= 1 then
    return nil, ('the daemon %q is not an executable on PATH (set cmd in setup())'):format(program)
  end
  local self = setmetatable({
    pending = {}, -- request id -> finish(err, result)
    streams = {}, -- request id -> on_delta(params)
    listeners = {}, -- request id -> {method -> function(params)}: other notifications of a request
    handlers = {}, -- method -> function(params, reply): the daemon's requests
    incoming = {}, -- the daemon's request id -> {cancel = function}, until answered
    next_id = 0,
    exited = false,
    stderr_tail = {},
  }, Connection)
  local stdin, stdout, stderr = uv.new_pipe(false), uv.new_pipe(false), uv.new_pipe(false)
  local handle, pid = uv.spawn(program, {
    args = vim.list_slice(opts.cmd, 2),
    stdio = { stdin, stdout, stderr },
  }, function(code, signal)
    -- a libuv callback: record only, the rest waits for the main loop
    self.exited, self.exit_code, self.exit_signal = true, code, signal
    self.process:close()
    if not stdin:is_closing() then
      stdin:close()
    end
    vim.schedule(function()
      self:_fail_pending(('the daemon exited (code %d)'):format(code))
    end)
  end)
  if not handle then
    return nil, ('could not start %s: %s'):format(program, tostring(pid))
  end
  self.process, self.pid, self.stdin = handle, pid, stdin
  local partial = ''
  stdout:read_start(function(_, data)
    if not data then
      return stdout:close()
    end
    partial = partial .. data
    local lines = vim.split(partial, '\n', { plain = true })
    partial = table.remove(lines)
    for _, line in ipairs(lines) do
      if line:match('%S') then
        vim.schedule(function()
          self:_receive(line)
        end)
      end
    end
  end)
  stderr:read_start(function(_, data)
    if not data then
      stderr:close()
    else
      table.insert(self.stderr_tail, data)
      if #self.stderr_tail > 20 then
        table.remove(self.stderr_tail, 1)
      end
    end
  end)
  local answer
  self:request('initialize', {
    client_info = { name = 'switchboard.nvim', version = '0.1.0' },
    config = opts.config,
  }, function(err, result)
    answer = { err = err, result = result }
  end)
  vim.wait(opts.timeout_ms, function()
    return answer ~= nil
  end, 10)
  if not answer or answer.err then
    local why = answer and answer.err.message or 'no answer to initialize'
    self:stop(opts.timeout_ms)
    return nil, why
  end
  self.server_info = answer.result.server_info
  self:notify('initialized')
  return self
end

-- vim.NIL (JSON null) as nil, inside tables too.
local function denull(value)
  if value == vim.NIL then
    return nil
  elseif type(value) == 'table' then
    for k, v in pairs(value) do
      value[k] = denull(v)
    end
  end
  return value
end

function Connection:_send(message)
  message.jsonrpc = '2.0'
  if self.exited or self.stdin:is_closing() then
    return false
  end
  self.stdin:write(vim.json.encode(message) .. '\n')
  return true
end

--- Sends a notification.
function Connection:notify(method, params)
  self:_send({ method = method, params = params })
end

--- Sends a request. `on_result(err, result)` runs once, on the main loop, with the response;
--- `on_delta(params)` runs for each chat.delta notification of this request. Returns the id.
function Connection:request(method, params, on_result, on_delta)
  if type(params) == 'table' and next(params) == nil then
    params = vim.empty_dict() -- by-name params: {} must not be encoded as []
  end
  self.next_id = self.next_id + 1
  local id = self.next_id
  if not self:_send({ id = id, method = method, params = params }) then
    on_result({ code = -32603, message = 'the daemon is not running' })
    return nil
  end
  self.pending[id] = function(err, result)
    self.pending[id], self.streams[id], self.listeners[id] = nil, nil, nil
    on_result(err, result)
  end
  self.streams[id] = on_delta
  return id
end

--- Calls `listener(params)` for each notification `method` (tool.call, ...) of request `id`.
function Connection:listen(id, method, listener)
  self.listeners[id] = self.listeners[id] or {}
  self.listeners[id][method] = listener
end

--- Answers the daemon's requests `method` with `handler(params, reply)`: the handler calls
--- reply(result) or reply(nil, {code, message}) once, whenever it is done, and may return a
--- function that stops its work when the daemon cancels the request ($/cancelRequest).
function Connection:handle(method, handler)
  self.handlers[method] = handler
end

--- Asks the daemon to cancel request `id` ($/cancelRequest); its answer is -32800.
function Connection:cancel(id)
  self:notify('$/cancelRequest', { id = id })
end

function Connection:_receive(line)
  local ok, message = pcall(vim.json.decode, line)
  if not ok or type(message) ~= 'table' then
    return vim.notify('switchboard: unreadable message from the daemon: ' .. line:sub(1, 200), vim.log.levels.ERROR)
  end
  message = denull(message)
  if message.method and message.id ~= nil then
    self:_serve(message)
  elseif message.method then
    self:_notification(message.method, message.params or {})
  elseif message.id ~= nil and self.pending[message.id] then
    self.pending[message.id](message.error, message.result)
  end
end

-- A request from the daemon: its handler answers it, or -32601 when there is none.
function Connection:_serve(message)
  local id, handler = message.id, self.handlers[message.method]
  if not handler then
    return self:_send({ id = id, error = { code = M.METHOD_NOT_FOUND, message = 'method not found: ' .. message.method } })
  end
  local entry = {}
  self.incoming[id] = entry
  local function reply(result, err)
    if self.incoming[id] ~= entry then
      return -- answered already, or cancelled: the daemon wants no answer
    end
    self.incoming[id] = nil
    self:_send(err and { id = id, error = err } or { id = id, result = result })
  end
  local ok, cancel = pcall(handler, message.params or {}, reply)
  if not ok then
    return reply(nil, { code = -32603, message = tostring(cancel) })
  end
  entry.cancel = cancel
end

function Connection:_notification(method, params)
  if method == '$/cancelRequest' then
    local entry = self.incoming[params.id]
    self.incoming[params.id] = nil
    if entry and type(entry.cancel) == 'function' then
      entry.cancel()
    end
    return
  end
  local id = params.request_id
  if method == 'chat.delta' then
    local on_delta = self.streams[id]
    if on_delta then
      on_delta(params)
    end
  elseif self.listeners[id] and self.listeners[id][method] then
    self.listeners[id][method](params)
  elseif method == 'conversations.changed' then
    M.on_conversation_changed(params.id)
    vim.api.nvim_exec_autocmds('User', { pattern = 'SwitchboardConversationsChanged', modeline = false })
  end
end

function Connection:_fail_pending(message)
  local tail = vim.trim(table.concat(self.stderr_tail))
  if tail ~= '' then
    message = message .. ': ' .. tail:sub(-300)
  end
  for _, finish in pairs(self.pending) do
    finish({ code = -32603, message = message })
  end
end

--- Ends the daemon the polite way: `shutdown`, then `exit`; terminates it if it does not exit in
--- `timeout_ms`. Returns true once the process has ended.
function Connection:stop(timeout_ms)
  if self.exited then
    return true
  end
  local answered = false
  self:request('shutdown', nil, function()
    answered = true
  end)
  vim.wait(timeout_ms, function()
    return answered or self.exited
  end, 10)
  local function wait_for_exit()
    vim.wait(timeout_ms, function()
      return self.exited
    end, 10)
  end
  if not self.exited then
    self:notify('exit')
    wait_for_exit()
  end
  if not self.exited then
    self.process:kill(15)
    wait_for_exit()
  end
  return self.exited
end

return M
