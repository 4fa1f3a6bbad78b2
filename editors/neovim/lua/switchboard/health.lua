-- :checkhealth switchboard — the daemon binary, its version, and the configuration it would use.
local config = require('switchboard.config')
local rpc = require('switchboard.rpc')

local M = {}

-- vim.health.start/ok/... from 0.10; vim.health.report_* in 0.8 and 0.9; require('health') in 0.7
local health = vim.health or require('health')
local report = {
  start = health.start or health.report_start,
  ok = health.ok or health.report_ok,
  info = health.info or health.report_info,
  warn = health.warn or health.report_warn,
  error = health.error or health.report_error,
}

-- The effective configuration for the configured profile, asked of a short-lived daemon.
local function effective_config(options)
  local connection, err = rpc.start(options)
  if not connection then
    return nil, err
  end
  local answer
  connection:request('config.get', { profile = options.profile }, function(e, result)
    answer = { err = e, result = result }
  end)
  vim.wait(options.timeout_ms, function()
    return answer ~= nil
  end, 10)
  connection:stop(options.timeout_ms)
  if not answer then
    return nil, 'no answer to config.get'
  end
  return answer.result, answer.err and answer.err.message
end

function M.check()
  local options = config.options
  report.start('switchboard daemon')
  local path = vim.fn.exepath(options.cmd[1])
  if path == '' then
    report.error(('%q is not an executable on PATH'):format(options.cmd[1]), {
      'Install it: swift build -c release && install -m 755 .build/release/switchboard ~/.local/bin/',
      "Or give its path: require('switchboard').setup({ cmd = { '/path/to/switchboard' } })",
    })
    return
  end
  report.ok('executable: ' .. path)
  local version = vim.fn.system({ path, '--version' })
  if vim.v.shell_error ~= 0 then
    report.error(('`%s --version` failed (exit %d): %s'):format(path, vim.v.shell_error, version))
    return
  end
  report.ok('version: ' .. vim.trim(version))

  report.start('switchboard configuration')
  report.info('profile: ' .. (options.profile or '(the daemon default)'))
  local effective, err = effective_config(options)
  if not effective then
    report.error('config.get failed: ' .. tostring(err))
    return
  end
  report.info('base_url: ' .. tostring(effective.base_url))
  report.info(('model: %s (vision: %s)'):format(
    options.model or (tostring(effective.default_model) .. ', the daemon default'),
    options.vision_model or (tostring(effective.vision_model) .. ', the daemon default')
  ))
  if effective.api_key ~= nil then
    report.ok('API key: set')
  elseif effective.api_key_command ~= nil then
    report.ok('API key: from api_key_command')
  else
    report.warn('API key: not set', {
      'Set OPENAI_API_KEY (or SWITCHBOARD_API_KEY), or api_key in the config file',
      'Local servers that need no key: api_key = ""',
    })
  end
end

return M
