-- One running switchboard daemon, spoken to through vim.lsp.rpc (Content-Length framing, which
-- the daemon detects and then answers in).
--
-- vim.lsp.rpc drops every response whose error code is -32800 (RequestCancelled) without calling
-- the request's callback; it still calls the "reply" callback it takes as a 4th argument. A
-- request whose reply arrives without a response is therefore one the daemon cancelled, and it is
-- reported here as the error {code = -32800}.
local M = {}

M.CANCELLED = -32800

local Connection = {}
Connection.__index = Connection

-- vim.lsp.rpc.start takes (cmd, args, dispatchers) up to 0.9 and (argv, dispatchers) from 0.10.
local function spawn(cmd, dispatchers)
  if vim.fn.has('nvim-0.10') == 1 then
    return vim.lsp.rpc.start(cmd, dispatchers)
  end
  return vim.lsp.rpc.start(cmd[1], vim.list_slice(cmd, 2), dispatchers)
end

-- The daemon's process id: vim.lsp.rpc gives it up to 0.9 only; from 0.10 it is the one child of
-- Neovim that was not there before the daemon started.
local function process_id(client, children_before)
  if client.pid then
    return client.pid
  end
  for _, pid in ipairs(vim.api.nvim_get_proc_children(vim.fn.getpid())) do
    if not vim.tbl_contains(children_before, pid) then
      return pid
    end
  end
end

--- Starts the daemon `opts.cmd` and waits (up to opts.timeout_ms) for its `initialize` answer,
--- sending opts.config as the initial configuration layer. Returns the connection, or nil and a
--- message.
function M.start(opts)
  local program = opts.cmd[1]
  if vim.fn.executable(program) ~= 1 then
    return nil, ('the daemon %q is not an executable on PATH (set cmd in setup())'):format(program)
  end
  local self = setmetatable({ streams = {}, pending = {}, exited = false }, Connection)
  local children_before = vim.api.nvim_get_proc_children(vim.fn.getpid())
  self.rpc = spawn(opts.cmd, {
    notification = function(method, params)
      self:_notification(method, params)
    end,
    on_exit = function(code, signal)
      -- runs in a libuv callback: record only, the rest waits for the main loop
      self.exited, self.exit_code, self.exit_signal = true, code, signal
      vim.schedule(function()
        self:_fail_pending(('the daemon exited (code %d)'):format(code))
      end)
    end,
    on_error = function(kind, err)
      vim.notify(('switchboard: RPC error %s: %s'):format(tostring(kind), vim.inspect(err)), vim.log.levels.ERROR)
    end,
  })
  if not self.rpc then
    return nil, ('could not start %s'):format(program)
  end
  self.pid = process_id(self.rpc, children_before)
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
  self.rpc.notify('initialized')
  return self
end

--- Sends a request. `on_result(err, result)` runs once, on the main loop, with the response;
--- `on_delta(params)` runs for each chat.delta notification of this request. Returns the id.
function Connection:request(method, params, on_result, on_delta)
  local id
  local function finish(err, result)
    if id == nil or not self.pending[id] then
      return
    end
    self.pending[id], self.streams[id] = nil, nil
    on_result(err, result)
  end
  local function replied()
    -- runs before the response's callback was scheduled; a callback still missing one tick later
    -- means vim.lsp.rpc swallowed a -32800 answer
    vim.schedule(function()
      finish({ code = M.CANCELLED, message = 'request cancelled' })
    end)
  end
  if type(params) == 'table' and next(params) == nil then
    params = vim.empty_dict() -- by-name params: {} must not be encoded as []
  end
  local sent
  sent, id = self.rpc.request(method, params, finish, replied)
  if not sent then
    on_result({ code = -32603, message = 'the daemon is not running' })
    return nil
  end
  self.pending[id] = finish
  self.streams[id] = on_delta
  return id
end

--- Asks the daemon to cancel request `id` ($/cancelRequest); its answer is -32800.
function Connection:cancel(id)
  self.rpc.notify('$/cancelRequest', { id = id })
end

function Connection:_notification(method, params)
  if method == 'chat.delta' and type(params) == 'table' then
    local on_delta = self.streams[params.request_id]
    if on_delta then
      on_delta(params)
    end
  end
end

function Connection:_fail_pending(message)
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
    self.rpc.notify('exit')
    wait_for_exit()
  end
  if not self.exited then
    if self.rpc.terminate then
      self.rpc.terminate()
    else
      self.rpc.handle:kill(15)
    end
    wait_for_exit()
  end
  return self.exited
end

return M
