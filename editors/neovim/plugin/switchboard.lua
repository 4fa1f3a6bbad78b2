-- Commands and maps of switchboard.nvim (see :help switchboard). The daemon starts on first use.

-- :help switchboard works however the plugin was installed (lazy.nvim from the repository's URL
-- puts editors/neovim on the runtime path by hand, and makes no help tags there): the help tags
-- are made once, when missing and the folder is writable.
local doc = debug.getinfo(1, 'S').source:sub(2):match('^(.*)[/\\]plugin[/\\][^/\\]*$')
doc = doc and doc .. '/doc'
if doc and vim.fn.filereadable(doc .. '/tags') == 0 and vim.fn.filewritable(doc) == 2 then
  pcall(vim.cmd, 'silent helptags ' .. vim.fn.fnameescape(doc))
end

if vim.g.loaded_switchboard or vim.fn.has('nvim-0.7') ~= 1 then
  return
end
vim.g.loaded_switchboard = true

local function sb()
  return require('switchboard')
end

local function command(name, run, options)
  vim.api.nvim_create_user_command(name, run, options)
end

local function range(opts)
  if opts.range > 0 then
    return opts.line1, opts.line2
  end
end

local function preset_names(lead)
  local names = vim.tbl_keys(require('switchboard.config').options.presets or {})
  table.sort(names)
  return vim.tbl_filter(function(name)
    return vim.startswith(name, lead)
  end, names)
end

command('Switchboard', function(opts)
  if opts.args == '' and opts.range == 0 then
    return sb().chat()
  end
  local line1, line2 = range(opts)
  local prompt = opts.args ~= '' and opts.args or 'About these lines:'
  sb().ask(prompt, line1, line2, { new = opts.bang })
end, { nargs = '*', range = true, bang = true, desc = 'Ask in the chat (! a new one); a range goes along' })

command('SwitchboardChat', function(opts)
  sb().chat({ preset = opts.args ~= '' and opts.args or nil, range = opts.range > 0 })
end, { nargs = '?', range = true, complete = preset_names, desc = 'Open the chat; a range is added to its input' })

command('SwitchboardNew', function(opts)
  sb().new(opts.args ~= '' and opts.args or nil)
end, { nargs = '?', complete = preset_names, desc = 'A new chat, with a preset' })

command('SwitchboardSend', function()
  sb().send()
end, { desc = 'Send the chat input' })

command('SwitchboardRetry', function()
  sb().retry()
end, { desc = 'Ask the last question again (its answer removed)' })

command('SwitchboardAdd', function(opts)
  local line1, line2 = range(opts)
  sb().add({ line1 = line1, line2 = line2, name = opts.args ~= '' and opts.args or nil })
end, { nargs = '?', range = true, complete = 'file', desc = 'Add the buffer, a range, a file or a buffer to the chat input' })

command('SwitchboardAddDiagnostics', function()
  sb().add({ diagnostics = true })
end, { desc = "Add the buffer's diagnostics to the chat input" })

command('SwitchboardImage', function(opts)
  sb().image(opts.args)
end, { nargs = 1, complete = 'file', desc = 'Attach an image to the chat input' })

command('SwitchboardCancel', function()
  sb().cancel()
end, { desc = 'Cancel the requests in flight' })

command('SwitchboardRewrite', function(opts)
  sb().rewrite(opts.line1, opts.line2, opts.args)
end, { nargs = '+', range = true, desc = 'Rewrite the lines per the instruction, shown as a diff' })

command('SwitchboardAccept', function()
  sb().accept()
end, { desc = 'Accept the rewrite on screen' })

command('SwitchboardReject', function()
  sb().reject()
end, { desc = 'Reject the rewrite on screen' })

command('SwitchboardInsert', function(opts)
  local line1, line2 = range(opts)
  sb().insert(opts.args, line1, line2)
end, { nargs = '+', range = true, desc = 'Stream the answer into the buffer at the cursor (below a range)' })

command('SwitchboardSave', function(opts)
  sb().save(opts.args, { force = opts.bang })
end, { nargs = 1, bang = true, complete = 'file', desc = 'Save the chat as Markdown (! overwrites a file)' })

command('SwitchboardHistory', function()
  sb().history()
end, { desc = 'Pick a stored conversation and continue it in a chat' })

command('SwitchboardOpen', function(opts)
  sb().open(opts.args)
end, { nargs = 1, complete = 'file', desc = 'Open a saved chat' })

-- The names `fetch(done)` passes to `done`, waited for (3 s at most), that start with `lead`.
local function completions(lead, fetch)
  local names
  fetch(function(list)
    names = list
  end)
  vim.wait(3000, function()
    return names ~= nil
  end, 10)
  return vim.tbl_filter(function(name)
    return vim.startswith(name, lead)
  end, names or {})
end

-- Completes chat model names from the upstream's list, fetched once per session.
local model_names
local function complete_models(lead)
  return completions(lead, function(done)
    if model_names then
      return done(model_names)
    end
    require('switchboard.models').list(function(ids)
      model_names = ids
      done(ids)
    end)
  end)
end

-- Completes the profiles of the daemon's configuration (config.get).
local function complete_profiles(lead)
  return completions(lead, function(done)
    local connection = require('switchboard.daemon').get()
    if not connection then
      return done({})
    end
    connection:request('config.get', vim.empty_dict(), function(_, result)
      local names = vim.tbl_keys(type(result) == 'table' and type(result.profiles) == 'table' and result.profiles or {})
      table.sort(names)
      done(names)
    end)
  end)
end

command('SwitchboardModel', function(opts)
  if opts.bang then
    sb().set_model(nil)
  elseif opts.args ~= '' then
    sb().set_model(opts.args)
  else
    sb().pick_model()
  end
end, { nargs = '?', bang = true, complete = complete_models, desc = 'Set the chat model (! the default; none: pick)' })

command('SwitchboardProfile', function(opts)
  local name = opts.args ~= '' and opts.args or nil
  if not opts.bang and not name then
    local profile = require('switchboard.config').options.profile
    return vim.notify('switchboard: profile ' .. (profile or '(the daemon default)'), vim.log.levels.INFO)
  end
  sb().set_profile(name, function(err)
    if not err then
      vim.notify('switchboard: profile ' .. (name or '(the daemon default)'), vim.log.levels.INFO)
    end
  end)
end, { nargs = '?', bang = true, complete = complete_profiles, desc = 'Set (! resets) the configuration profile' })

command('SwitchboardRestart', function()
  sb().restart()
end, { desc = 'Restart the daemon' })

local keymaps = require('switchboard.keymaps')
keymaps.define_plugs()
if not vim.g.switchboard_no_default_keymaps then
  keymaps.apply(true)
end

vim.api.nvim_create_autocmd('VimLeavePre', {
  group = vim.api.nvim_create_augroup('switchboard', { clear = true }),
  callback = function()
    if package.loaded['switchboard.daemon'] then
      require('switchboard.daemon').stop()
    end
  end,
  desc = 'Stop the switchboard daemon (shutdown, exit)',
})
