-- Commands of switchboard.nvim (see :help switchboard). The daemon starts on first use.
if vim.g.loaded_switchboard or vim.fn.has('nvim-0.7') ~= 1 then
  return
end
vim.g.loaded_switchboard = true

local command = vim.api.nvim_create_user_command

local function switchboard()
  return require('switchboard')
end

-- The prompt of :Switchboard: its argument, the selected lines, or the argument followed by the
-- selected lines as a fenced block.
local function prompt_of(opts)
  if opts.range == 0 then
    return opts.args
  end
  local selection = table.concat(vim.api.nvim_buf_get_lines(0, opts.line1 - 1, opts.line2, false), '\n')
  if opts.args == '' then
    return selection
  end
  return ('%s\n\n```%s\n%s\n```'):format(opts.args, vim.bo.filetype, selection)
end

command('Switchboard', function(opts)
  local prompt = prompt_of(opts)
  if prompt == '' then
    return vim.notify('switchboard: give a prompt, or select lines', vim.log.levels.ERROR)
  end
  switchboard().chat(prompt, { new = opts.bang })
end, { nargs = '*', range = true, bang = true, desc = 'Ask the model; ! starts a new conversation' })

command('SwitchboardDescribeImage', function(opts)
  switchboard().describe_image(opts.fargs[1], opts.fargs[2] and table.concat(vim.list_slice(opts.fargs, 2), ' '))
end, { nargs = '+', complete = 'file', desc = 'Describe an image file: {path} [question]' })

command('SwitchboardCancel', function()
  switchboard().cancel()
end, { desc = 'Cancel the request in flight' })

-- Completes model names from the upstream's list, fetched once per session.
local model_names
local function complete_models(lead)
  if not model_names then
    local fetched
    switchboard().list_models(function(ids)
      fetched = ids
    end)
    vim.wait(3000, function()
      return fetched ~= nil
    end, 10)
    model_names = fetched
  end
  return vim.tbl_filter(function(name)
    return vim.startswith(name, lead)
  end, model_names or {})
end

command('SwitchboardModel', function(opts)
  local sb = switchboard()
  if opts.bang or opts.args ~= '' then
    sb.set_model(opts.args ~= '' and opts.args or nil)
  end
  local current = 'switchboard: model ' .. (require('switchboard.config').options.model or '(the daemon default)')
  if opts.bang or opts.args ~= '' then
    return vim.notify(current, vim.log.levels.INFO)
  end
  sb.list_models(function(ids)
    vim.notify(current .. '; the upstream offers: ' .. table.concat(ids, ', '), vim.log.levels.INFO)
  end)
end, { nargs = '?', bang = true, complete = complete_models, desc = 'Set (! resets) the chat model' })

command('SwitchboardProfile', function(opts)
  local name = opts.args ~= '' and opts.args or nil
  if not opts.bang and not name then
    local profile = require('switchboard.config').options.profile
    return vim.notify('switchboard: profile ' .. (profile or '(the daemon default)'), vim.log.levels.INFO)
  end
  switchboard().set_profile(name, function(err)
    if not err then
      vim.notify('switchboard: profile ' .. (name or '(the daemon default)'), vim.log.levels.INFO)
    end
  end)
end, { nargs = '?', bang = true, desc = 'Set (! resets) the configuration profile' })

vim.api.nvim_create_autocmd('VimLeavePre', {
  group = vim.api.nvim_create_augroup('switchboard', { clear = true }),
  callback = function()
    if package.loaded['switchboard'] then
      require('switchboard').shutdown()
    end
  end,
  desc = 'Stop the switchboard daemon (shutdown, exit)',
})
