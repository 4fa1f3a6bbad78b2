-- Chats with tools: whether a chat runs through `agent.run` (the `tools` option, or, by default,
-- when the daemon has MCP servers), the tools it offers, and the daemon's requests during a run:
-- `tool.approve` asked with vim.ui.select, `tool.execute` run by tools.lua.
local config = require('switchboard.config')
local tools = require('switchboard.tools')

local M = {}

-- connection -> whether tools.list reported MCP servers (nil: not asked yet)
local has_servers = setmetatable({}, { __mode = 'k' })
-- "server/name" -> true: calls the user allowed for the rest of the session
local allowed = {}

M.ALLOW, M.ALLOW_ALWAYS, M.DENY = 'Allow', 'Allow for this session', 'Deny'

local function notify(message, level)
  vim.notify('switchboard: ' .. message, level or vim.log.levels.INFO)
end

--- The editor tools offered: all with `tools = true` or nil, the named ones with a list.
function M.offered()
  local option = config.options.tools
  return tools.definitions(type(option) == 'table' and option or nil)
end

--- Calls `use(agent)`: whether chats on `connection` run through agent.run. `tools = true` or a
--- list: yes; false: no; nil: when tools.list reports MCP servers (asked once per daemon).
function M.decide(connection, use)
  local option = config.options.tools
  if option ~= nil then
    return use(option ~= false)
  end
  if has_servers[connection] ~= nil then
    return use(has_servers[connection])
  end
  connection:request('tools.list', vim.empty_dict(), function(err, result)
    local servers = not err and type(result) == 'table' and result.servers or {}
    local enabled = vim.tbl_filter(function(server)
      return server.status ~= 'disabled'
    end, servers)
    has_servers[connection] = #enabled > 0
    use(has_servers[connection])
  end)
end

--- Asks the user whether the MCP tool call `params` (tool.approve's) may run; `reply(result)`.
--- Returns the function that withdraws the question (the daemon cancelled it).
function M.approve(params, reply)
  local key = tostring(params.server) .. '/' .. tostring(params.name)
  if allowed[key] then
    return reply({ approved = true })
  end
  local withdrawn = false
  local arguments = vim.json.encode(params.arguments or vim.empty_dict()):gsub('\\/', '/')
  if #arguments > 200 then
    arguments = arguments:sub(1, 200) .. '…'
  end
  -- the model's name for it is `<server>__<tool>`: the user is shown the tool and the server
  local name = tostring(params.name)
  if params.server and vim.startswith(name, params.server .. '__') then
    name = name:sub(#params.server + 3)
  end
  local prompt = ('Run %s (MCP server %s) with %s?'):format(name, params.server or '?', arguments)
  -- the call's record (written just before, from the same read) is on screen before a blocking
  -- picker (the built-in one waits for a key without redrawing)
  vim.cmd('redraw')
  vim.ui.select({ M.ALLOW, M.ALLOW_ALWAYS, M.DENY }, { prompt = prompt, kind = 'switchboard.approve' }, function(choice)
    if withdrawn then
      return
    end
    if choice == M.ALLOW_ALWAYS then
      allowed[key] = true
    end
    reply({ approved = choice == M.ALLOW or choice == M.ALLOW_ALWAYS })
  end)
  return function()
    withdrawn = true
    notify(('the question about %s was withdrawn (the run was cancelled): its answer is ignored'):format(params.name), vim.log.levels.WARN)
  end
end

--- Forgets the calls allowed for the session.
function M.forget_allowed()
  allowed = {}
end

--- Answers the daemon's requests of agent runs on `connection`.
function M.serve(connection)
  connection:handle('tool.approve', M.approve)
  tools.serve(connection)
end

return M
