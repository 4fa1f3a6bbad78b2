-- Setting up: default maps that leave the user's alone, the model picker (chat models only), the
-- health check asking the upstream, setup() restarting the daemon, and shutdown on exit.
vim.g.mapleader = ' '
vim.keymap.set('n', '<Leader>am', '<Cmd>echo "mine"<CR>') -- a user's map, made before the plugin loads
local t = dofile(debug.getinfo(1, 'S').source:sub(2):match('^(.*)/') .. '/helpers.lua')
local sb = t.load()
local api = vim.api

t.case('default maps: <Leader>a... run <Plug> maps, except where the user mapped the key', function()
  t.eq(vim.fn.maparg(' ac', 'n'), '<Plug>(SwitchboardChat)', '<Leader>ac')
  t.eq(vim.fn.maparg(' ar', 'x'), '<Plug>(SwitchboardRewrite)', '<Leader>ar')
  t.eq(vim.fn.maparg(' am', 'n'), '<Cmd>echo "mine"<CR>', "the user's <Leader>am")
  sb.setup({ cmd = { t.bin }, default_keymaps = false })
  t.eq(vim.fn.maparg(' ac', 'n'), '', 'removed by default_keymaps = false')
  t.eq(vim.fn.maparg(' am', 'n'), '<Cmd>echo "mine"<CR>', "the user's map stays")
end)

t.case("default maps: none in a mode where the user maps <Leader>a itself (it would wait)", function()
  vim.keymap.set('x', '<Leader>a', '<Cmd>echo "align"<CR>')
  sb.setup({ cmd = { t.bin }, default_keymaps = true })
  t.eq(vim.fn.maparg(' ac', 'n'), '<Plug>(SwitchboardChat)', 'Normal mode still has <Leader>ac')
  t.eq(vim.fn.maparg(' ar', 'x'), '', 'no <Leader>ar in Visual mode')
  t.eq(vim.fn.maparg(' ac', 'x'), '', 'no <Leader>ac in Visual mode')
  vim.keymap.del('x', '<Leader>a')
  sb.setup({ cmd = { t.bin }, default_keymaps = false })
end)

t.case(':help switchboard works wherever the plugin is: its help tags are made when missing', function()
  local plugin = vim.fn.fnamemodify(debug.getinfo(1, 'S').source:sub(2), ':p:h:h')
  local copy = vim.fn.tempname()
  vim.fn.mkdir(copy .. '/doc', 'p')
  vim.fn.mkdir(copy .. '/plugin', 'p')
  vim.fn.writefile(vim.fn.readfile(plugin .. '/doc/switchboard.txt'), copy .. '/doc/switchboard.txt')
  vim.fn.writefile(vim.fn.readfile(plugin .. '/plugin/switchboard.lua'), copy .. '/plugin/switchboard.lua')
  vim.cmd('source ' .. vim.fn.fnameescape(copy .. '/plugin/switchboard.lua'))
  t.ok(vim.fn.filereadable(copy .. '/doc/tags') == 1, 'no doc/tags made')
  t.ok(table.concat(vim.fn.readfile(copy .. '/doc/tags'), '\n'):find(':SwitchboardSave', 1, true), 'the tags')
  vim.fn.delete(copy, 'rf')
end)

t.case(':SwitchboardModel offers the chat models only, and can go back to the default', function()
  local offered
  vim.ui.select = function(items, _, on_choice)
    offered = items
    on_choice(items[3])
  end
  vim.cmd('SwitchboardModel')
  t.ok(vim.wait(5000, function()
    return offered ~= nil
  end, 10), 'no picker')
  t.eq(offered, { "(the daemon's default_model)", 'gpt-4o-mini', 'gpt-4o' }, 'the choices')
  t.eq(require('switchboard.config').options.model, 'gpt-4o', 'picked')
  sb.ask('which model?')
  t.eq(t.wait_done('model').result.model, 'gpt-4o', 'the answer')
  vim.ui.select = function(items, _, on_choice)
    on_choice(items[1])
  end
  vim.cmd('SwitchboardModel')
  t.ok(vim.wait(5000, function()
    return require('switchboard.config').options.model == nil
  end, 10), 'the default was not chosen')
  sb.ask('and now?')
  t.wait_done('default model')
  t.eq(t.last_request().model, 'gpt-4o-mini', "the daemon's default_model")
end)

local function health()
  vim.cmd('silent checkhealth switchboard')
  local report = table.concat(api.nvim_buf_get_lines(0, 0, -1, false), '\n')
  vim.cmd('tabclose')
  return report
end

t.case(':checkhealth asks the upstream for its models', function()
  local report = health()
  t.ok(report:find('OK:? executable: ' .. vim.pesc(t.bin)), report)
  t.ok(report:find('OK:? the upstream answered models.list: 4 models, 2 for chat: gpt%-4o%-mini, gpt%-4o'), report)
  t.ok(not report:find('ERROR'), report)
  t.ok(not report:find(t.key, 1, true), 'the key is in the report')
end)

t.case('setup() with a new configuration restarts the daemon; :checkhealth reports a dead upstream', function()
  local before = sb.connection().pid
  sb.setup({ cmd = { t.bin }, config = { base_url = 'http://127.0.0.1:9/v1', max_retries = 0 } })
  t.ok((vim.uv or vim.loop).kill(before, 0) ~= 0, 'the old daemon still runs')
  local report = health()
  t.ok(report:find('ERROR:? models.list failed: cannot reach the upstream'), report)
  sb.ask('hello?')
  t.eq(t.wait_done('dead upstream').error.code, -32002, 'the new daemon uses the new base_url')
  sb.setup({ cmd = { t.bin } })
  sb.ask('back')
  t.eq(t.wait_done('restored').outcome, 'done', 'the daemon is back on the echo upstream')
end)

t.case(':SwitchboardProfile completes the profiles of the configuration', function()
  sb.setup({ cmd = { t.bin }, config = { profiles = { relay = { default_model = 'gpt-4o' }, ['local'] = { default_model = 'x' } } } })
  t.eq(vim.fn.getcompletion('SwitchboardProfile ', 'cmdline'), { 'local', 'relay' }, 'every profile')
  t.eq(vim.fn.getcompletion('SwitchboardProfile r', 'cmdline'), { 'relay' }, 'a prefix')
  sb.setup({ cmd = { t.bin } })
end)

t.case('VimLeavePre shuts the daemon down (shutdown, exit: code 0)', function()
  local connection = sb.connection()
  vim.api.nvim_exec_autocmds('VimLeavePre', { group = 'switchboard' })
  t.ok(connection.exited, 'the daemon has not exited')
  t.eq(connection.exit_code, 0, 'exit code')
end)

t.finish('setup')
