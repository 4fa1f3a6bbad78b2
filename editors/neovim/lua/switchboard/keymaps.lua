-- <Plug> maps, and the default <Leader>a... maps made from them, each only where the user has
-- not mapped the key already (or mapped the <Plug> map elsewhere), and none in a mode where the
-- user maps <Leader>a itself (which would then wait for the next key).
local M = {}

local api = vim.api

local function sb(method, ...)
  local args = { ... }
  return function()
    require('switchboard')[method](unpack(args))
  end
end

-- {mode, <Plug> name, rhs}; visual-mode ones end Visual mode first, so '< and '> are set.
local PLUGS = {
  { 'n', 'SwitchboardChat', sb('chat') },
  { 'x', 'SwitchboardChat', ":<C-u>lua require('switchboard').chat({ range = true })<CR>" },
  { 'x', 'SwitchboardRewrite', ":<C-u>lua require('switchboard').prompt_rewrite()<CR>" },
  { 'n', 'SwitchboardInsert', sb('prompt_insert') },
  { 'x', 'SwitchboardInsert', ":<C-u>lua require('switchboard').prompt_insert(true)<CR>" },
  { 'n', 'SwitchboardAdd', sb('add', {}) },
  { 'x', 'SwitchboardAdd', ":<C-u>lua require('switchboard').add({ range = true })<CR>" },
  { 'n', 'SwitchboardCancel', sb('cancel') },
  { 'n', 'SwitchboardNew', sb('new') },
  { 'n', 'SwitchboardModel', sb('pick_model') },
  { 'n', 'SwitchboardHistory', sb('history') },
}

M.DEFAULTS = {
  { 'n', '<Leader>ac', 'SwitchboardChat' },
  { 'x', '<Leader>ac', 'SwitchboardChat' },
  { 'x', '<Leader>ar', 'SwitchboardRewrite' },
  { 'n', '<Leader>ai', 'SwitchboardInsert' },
  { 'x', '<Leader>ai', 'SwitchboardInsert' },
  { 'n', '<Leader>aa', 'SwitchboardAdd' },
  { 'x', '<Leader>aa', 'SwitchboardAdd' },
  { 'n', '<Leader>ax', 'SwitchboardCancel' },
  { 'n', '<Leader>an', 'SwitchboardNew' },
  { 'n', '<Leader>am', 'SwitchboardModel' },
  { 'n', '<Leader>ah', 'SwitchboardHistory' },
}

-- the default maps made, as {mode, lhs}
local made = {}

function M.define_plugs()
  for _, plug in ipairs(PLUGS) do
    vim.keymap.set(plug[1], '<Plug>(' .. plug[2] .. ')', plug[3], { silent = true, desc = 'switchboard' })
  end
end

--- Makes the default maps (enabled) or removes the ones made (not enabled).
function M.apply(enabled)
  if not enabled then
    for _, map in ipairs(made) do
      pcall(vim.keymap.del, map[1], map[2])
    end
    made = {}
    return
  end
  for _, default in ipairs(M.DEFAULTS) do
    local mode, lhs, plug = default[1], default[2], '<Plug>(' .. default[3] .. ')'
    local prefix_taken = vim.fn.maparg('<Leader>a', mode) ~= ''
    if not prefix_taken and vim.fn.maparg(lhs, mode) == '' and vim.fn.hasmapto(plug, mode) == 0 then
      vim.keymap.set(mode, lhs, plug, { remap = true, desc = 'switchboard: ' .. default[3] })
      table.insert(made, { mode, lhs })
    end
  end
end

--- The key that runs `action` ('cancel', ...) in Normal mode, for messages; else its command.
function M.hint(action)
  local plug = '<Plug>(Switchboard' .. action:sub(1, 1):upper() .. action:sub(2) .. ')'
  for _, map in ipairs(api.nvim_get_keymap('n')) do
    if map.rhs == plug then
      return (map.lhs:gsub(' ', '<Space>'))
    end
  end
  return ':Switchboard' .. action:sub(1, 1):upper() .. action:sub(2)
end

return M
