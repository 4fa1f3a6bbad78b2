-- What the test files share: assertions, waits, keys, the chat buffer's text, and the echo
-- upstream's log (GET /echo/log: what the daemon sent it). Each test file is run by tests/run in
-- its own headless Neovim, against the daemon in $SWITCHBOARD_BIN.
local M = {}

M.bin = assert(os.getenv('SWITCHBOARD_BIN'), 'SWITCHBOARD_BIN is not set')
M.png = assert(os.getenv('SWITCHBOARD_TEST_PNG'), 'SWITCHBOARD_TEST_PNG is not set')
M.key = os.getenv('OPENAI_API_KEY') or ''
M.base_url = assert(os.getenv('OPENAI_BASE_URL'), 'OPENAI_BASE_URL is not set')

local api = vim.api

-- vim.notify is captured: the cases look at what the plugin reported; every note is kept too,
-- for the check that nothing the plugin uses is deprecated in this Neovim
M.notes = {}
local all_notes = {}
vim.notify = function(message, level)
  table.insert(M.notes, { message = message, level = level })
  table.insert(all_notes, tostring(message))
end

function M.out(text)
  io.stdout:write(text .. '\n')
  io.stdout:flush()
end

function M.eq(actual, expected, what)
  if not vim.deep_equal(actual, expected) then
    error(('%s: expected %s, got %s'):format(what, vim.inspect(expected), vim.inspect(actual)), 2)
  end
end

function M.ok(value, what)
  if not value then
    error(what, 2)
  end
end

--- Loads the plugin as a user's config would, with the daemon under test.
function M.load(opts)
  vim.cmd('runtime plugin/switchboard.lua')
  local sb = require('switchboard')
  sb.setup(vim.tbl_extend('force', { cmd = { M.bin }, window = 'botright split' }, opts or {}))
  return sb
end

function M.wait_done(what)
  local sb = require('switchboard')
  M.ok(vim.wait(15000, function()
    return not sb.status().busy
  end, 10), what .. ': the request did not finish within 15 s')
  return sb.status().last
end

--- Types `keys` (with <...> notation) as the user would, mappings included.
function M.feed(keys)
  api.nvim_feedkeys(api.nvim_replace_termcodes(keys, true, false, true), 'mx', false)
end

function M.lines(buf)
  return api.nvim_buf_get_lines(buf or 0, 0, -1, false)
end

-- GET `path` from the echo upstream, over a connection of its own; the parsed JSON body.
local function get(path)
  local host, port = M.base_url:match('^http://([^:/]+):(%d+)')
  local tcp, chunks, done = (vim.uv or vim.loop).new_tcp(), {}, false
  tcp:connect(host, tonumber(port), function(err)
    assert(not err, err)
    tcp:write(('GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n'):format(path, host))
    tcp:read_start(function(_, data)
      if data then
        table.insert(chunks, data)
      else
        tcp:close()
        done = true
      end
    end)
  end)
  M.ok(vim.wait(5000, function()
    return done
  end, 10), 'no answer from the upstream to ' .. path)
  return vim.fn.json_decode(table.concat(chunks):match('\r\n\r\n(.*)$'))
end

--- The bodies of the chat completion requests the upstream received, oldest first.
function M.chat_requests()
  local bodies = {}
  for _, r in ipairs(get('/echo/log').requests) do
    if r.method == 'POST' and r.path:match('/chat/completions$') then
      table.insert(bodies, r.body)
    end
  end
  return bodies
end

--- The body of the last chat completion request.
function M.last_request()
  local bodies = M.chat_requests()
  return bodies[#bodies]
end

local passed, failed = 0, 0

function M.case(name, body)
  M.notes = {}
  local good, err = xpcall(body, debug.traceback)
  if good then
    passed = passed + 1
    M.out('PASS ' .. name)
  else
    failed = failed + 1
    M.out('FAIL ' .. name .. '\n  ' .. tostring(err):gsub('\n', '\n  '))
  end
end

--- Reports the counts and quits Neovim: exit code 0 when every case passed.
function M.finish(file)
  local daemon = require('switchboard.daemon')
  if daemon.running() and os.getenv('SWITCHBOARD_PIDS') then
    local pids = assert(io.open(os.getenv('SWITCHBOARD_PIDS'), 'a'))
    pids:write(daemon.get().pid, '\n')
    pids:close()
  end
  local v = vim.version()
  M.case(('nothing used is deprecated in Neovim %d.%d.%d'):format(v.major, v.minor, v.patch), function()
    for _, note in ipairs(all_notes) do
      M.ok(not note:lower():find('deprecat'), 'a deprecation warning: ' .. note)
    end
  end)
  M.out(('%s: %d passed, %d failed'):format(file, passed, failed))
  vim.cmd(failed == 0 and 'qall!' or 'cquit 1')
end

return M
