-- The daemon's lifetime: started on first use, restarted when the options it was started with
-- change (setup() called again) or on :SwitchboardRestart, stopped when Neovim exits.
local config = require('switchboard.config')
local rpc = require('switchboard.rpc')

local M = {}

local state = { connection = nil, started_with = nil }

-- What a running daemon depends on: its argv and its initial configuration layer.
local function identity(options)
  return vim.inspect({ config.command(options), options.config })
end

--- The running daemon's connection, started on first use; nil and a message when it cannot start.
function M.get()
  if state.connection and not state.connection.exited then
    return state.connection
  end
  local options = vim.tbl_extend('force', config.options, { cmd = config.command(config.options) })
  local connection, err = rpc.start(options)
  if not connection then
    return nil, 'cannot start the daemon: ' .. err
  end
  state.connection, state.started_with = connection, identity(config.options)
  require('switchboard.agent').serve(connection)
  return connection
end

--- Whether a daemon is running.
function M.running()
  return state.connection ~= nil and not state.connection.exited
end

--- Stops the daemon (shutdown, then exit). Returns true when it is no longer running.
function M.stop()
  local connection = state.connection
  state.connection = nil
  return connection == nil or connection:stop(config.options.timeout_ms)
end

--- Stops a running daemon whose argv or configuration layer no longer match the options; the
--- next request starts one with the new options. Returns true when it stopped one.
function M.refresh()
  if M.running() and state.started_with ~= identity(config.options) then
    M.stop()
    return true
  end
  return false
end

return M
