-- :checkhealth switchboard — the daemon binary and its version, the configuration it uses, and
-- what the upstream answers to models.list (so a wrong base URL or key shows here).
local config = require('switchboard.config')
local models = require('switchboard.models')
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

-- Asks a short-lived daemon each of `requests` ({method, params}) in turn; returns their answers
-- ({err, result}), or nil and why the daemon did not start.
local function ask(options, requests)
  local connection, err = rpc.start(options)
  if not connection then
    return nil, err
  end
  local answers = {}
  for i, r in ipairs(requests) do
    connection:request(r[1], r[2], function(e, result)
      answers[i] = { err = e, result = result }
    end)
  end
  vim.wait(options.timeout_ms * 3, function()
    return #answers == #requests
  end, 10)
  connection:stop(options.timeout_ms)
  return answers
end

local function check_upstream(answer)
  if not answer then
    return report.error('models.list: no answer in time')
  end
  if answer.err then
    return report.error(('models.list failed: %s (error %s)'):format(answer.err.message, tostring(answer.err.code)), {
      'Check base_url (it usually ends in /v1), the API key, and the network or proxy',
    })
  end
  local all = answer.result and answer.result.data or {}
  local chat = models.chat_ids(answer.result)
  report.ok(('the upstream answered models.list: %d models, %d for chat: %s'):format(#all, #chat, table.concat(chat, ', ')))
end

function M.check()
  local options = vim.tbl_extend('force', config.options, { cmd = config.command(config.options) })
  report.start('switchboard daemon')
  local path = vim.fn.exepath(options.cmd[1])
  if path == '' then
    report.error(('%q is not an executable'):format(options.cmd[1]), {
      'Build it: swift build -c release (the plugin finds .build/release/switchboard in its repository)',
      'Or put it on PATH, or give its path: setup({ cmd = { "/path/to/switchboard" } })',
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

  report.start('switchboard configuration and upstream')
  report.info('profile: ' .. (options.profile or '(the daemon default)'))
  local answers, err = ask(options, {
    { 'config.get', { profile = options.profile } },
    { 'models.list', { profile = options.profile } },
  })
  if not answers then
    return report.error('the daemon did not start: ' .. tostring(err))
  end
  local effective = answers[1] and answers[1].result
  if not effective then
    return report.error('config.get failed: ' .. vim.inspect(answers[1] and answers[1].err))
  end
  report.info('base_url: ' .. tostring(effective.base_url))
  report.info(('model: %s'):format(options.model or (tostring(effective.default_model) .. ', the daemon default')))
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
  check_upstream(answers[2])
end

return M
