-- Options of the switchboard plugin: the defaults, and the values setup() and the commands set.
local M = {}

M.defaults = {
  -- argv of the daemon; the first item is looked up on PATH
  cmd = { 'switchboard' },
  -- model for chat requests; nil lets the daemon use its default_model
  model = nil,
  -- model for image descriptions; nil lets the daemon use its vision_model
  vision_model = nil,
  -- configuration profile named in every request; nil uses the daemon's default_profile
  profile = nil,
  -- a configuration layer sent with `initialize` (base_url, profiles, default_model, ...)
  config = nil,
  -- the command that opens a window for the chat buffer when none shows it
  window = 'botright vsplit',
  -- milliseconds to wait for the daemon to answer `initialize`, and for shutdown
  timeout_ms = 5000,
}

M.options = vim.deepcopy(M.defaults)

--- Replaces the options with the defaults overridden by `opts`.
function M.set(opts)
  opts = opts or {}
  M.options = vim.tbl_deep_extend('force', vim.deepcopy(M.defaults), opts)
  -- a list replaces the default list whole (deep extension would merge it index by index)
  local cmd = opts.cmd or M.defaults.cmd
  M.options.cmd = type(cmd) == 'string' and { cmd } or vim.deepcopy(cmd)
  return M.options
end

return M
