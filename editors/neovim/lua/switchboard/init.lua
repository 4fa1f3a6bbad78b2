-- switchboard.nvim: chat buffers, rewrites shown as diffs, answers streamed at the cursor, all
-- through the switchboard daemon (any OpenAI-compatible API). See :help switchboard.
local config = require('switchboard.config')
local daemon = require('switchboard.daemon')
local request = require('switchboard.request')
local chat = require('switchboard.chat')
local context = require('switchboard.context')

local M = {}

local api = vim.api

local function notify(message, level)
  vim.notify('switchboard: ' .. message, level or vim.log.levels.INFO)
end

--- Sets the options (see :help switchboard-setup). Called again, it restarts a running daemon
--- whose command or configuration layer changed.
function M.setup(opts)
  config.set(opts)
  require('switchboard.keymaps').apply(config.options.default_keymaps)
  if daemon.refresh() then
    notify('the daemon will restart with the new options on the next request')
  end
end

--- Opens the chat (entering its window). opts.new: a new chat, with preset opts.preset if given;
--- opts.range: the visual selection ('< to '>) is added to the input first.
function M.chat(opts)
  opts = opts or {}
  local source = api.nvim_get_current_buf()
  local buf
  if opts.new or opts.preset then
    buf = chat.new(opts.preset)
  else
    buf = chat.get()
  end
  if not buf then
    return
  end
  if opts.range and buf ~= source then
    chat.add_input(buf, context.lines(source, vim.fn.line("'<"), vim.fn.line("'>")))
  end
  chat.show(buf, { focus = true })
  return buf
end

--- Opens a new chat with preset `name` (or none).
function M.new(name)
  return M.chat({ new = true, preset = name })
end

--- Sends the input of chat buffer `buf` (default: the current buffer, else the last chat).
function M.send(buf)
  buf = buf or api.nvim_get_current_buf()
  if not chat.is_chat(buf) then
    buf = chat.get()
  end
  return chat.send(buf)
end

--- Puts `prompt` in the chat's input and sends it; lines `line1`..`line2` of the current buffer,
--- when given, go with it. opts.new starts a new chat first.
function M.ask(prompt, line1, line2, opts)
  opts = opts or {}
  local source = api.nvim_get_current_buf()
  local buf = opts.new and chat.new() or chat.get()
  local lines = vim.split(prompt, '\n', { plain = true })
  if line1 then
    table.insert(lines, '')
    vim.list_extend(lines, context.lines(source, line1, line2))
  end
  chat.add_input(buf, lines)
  chat.show(buf)
  return chat.send(buf)
end

--- Asks the last question of the current chat (else the last chat) again, its answer removed.
function M.retry()
  local buf = api.nvim_get_current_buf()
  return chat.retry(chat.is_chat(buf) and buf or chat.get())
end

--- Adds context to the chat's input: opts.range (the visual selection), opts.line1/line2 (a
--- range), opts.name (a file or buffer), opts.diagnostics; else the whole current buffer.
function M.add(opts)
  local source = api.nvim_get_current_buf()
  local lines, err
  if opts.range then
    lines = context.lines(source, vim.fn.line("'<"), vim.fn.line("'>"))
  elseif opts.line1 then
    lines = context.lines(source, opts.line1, opts.line2)
  elseif opts.name then
    lines, err = context.named(opts.name)
  elseif opts.diagnostics then
    lines, err = context.diagnostics(source)
  else
    lines = context.buffer(source)
  end
  if not lines then
    return notify(err, vim.log.levels.ERROR)
  end
  local buf = chat.get()
  chat.add_input(buf, lines)
  chat.show(buf)
end

--- Attaches the image file (or URL) `path` to the chat's input.
function M.image(path)
  local buf = chat.get()
  chat.add_input(buf, { ('![image](%s)'):format(require('switchboard.conversation').image_url(path, vim.fn.getcwd())) })
  chat.show(buf)
end

--- Cancels every request in flight; each answer keeps its text so far.
function M.cancel()
  if request.cancel() == 0 then
    notify('nothing to cancel')
  end
end

--- Rewrites lines `line1`..`line2` of the current buffer per `instruction` (see rewrite.lua).
function M.rewrite(line1, line2, instruction)
  require('switchboard.rewrite').start(line1, line2, instruction)
end

function M.accept()
  require('switchboard.rewrite').accept()
end

function M.reject()
  require('switchboard.rewrite').reject()
end

-- Reads a line with vim.ui.input and passes it to `use` unless it is empty.
local function read(label, use)
  vim.ui.input({ prompt = label }, function(text)
    if text and text ~= '' then
      use(text)
    end
  end)
end

--- Asks for a rewrite instruction for the last visual selection.
function M.prompt_rewrite()
  local line1, line2 = vim.fn.line("'<"), vim.fn.line("'>")
  read('Rewrite: ', function(instruction)
    M.rewrite(line1, line2, instruction)
  end)
end

--- Streams the answer to `prompt` into the current buffer after the cursor, or below lines
--- `line1`..`line2` (sent along).
function M.insert(prompt, line1, line2)
  return require('switchboard.insert').start(prompt, line1, line2)
end

--- Asks for a prompt, then inserts its answer (below the last visual selection with `range`).
function M.prompt_insert(range)
  local line1, line2
  if range then
    line1, line2 = vim.fn.line("'<"), vim.fn.line("'>")
  end
  read('Insert: ', function(prompt)
    M.insert(prompt, line1, line2)
  end)
end

--- Writes the current chat to `path` (Markdown); the buffer becomes that file. An existing file
--- is overwritten only with opts.force.
function M.save(path, opts)
  local buf = api.nvim_get_current_buf()
  return chat.save(chat.is_chat(buf) and buf or chat.get(), path, opts)
end

--- Opens the Markdown conversation `path` as a chat.
function M.open(path)
  local buf = chat.open(path)
  chat.show(buf, { focus = true })
  return buf
end

--- Picks a stored conversation (the daemon's store) and opens it as a chat that continues it;
--- `done(buf)` runs after.
function M.history(done)
  require('switchboard.history').pick(done)
end

--- Uses `name` as the chat model (nil: the daemon's default_model).
function M.set_model(name)
  config.options.model = name
  notify('model ' .. (name or "(the daemon's default_model)"))
end

--- Picks the chat model among the upstream's chat models.
function M.pick_model()
  require('switchboard.models').pick(M.set_model)
end

--- Uses profile `name` for the next requests (nil: the daemon's default_profile), after the
--- daemon confirmed it knows it; `on_done(err)` runs when decided.
function M.set_profile(name, on_done)
  on_done = on_done or function() end
  if name == nil then
    config.options.profile = nil
    return on_done(nil)
  end
  local connection, err = daemon.get()
  if not connection then
    notify(err, vim.log.levels.ERROR)
    return on_done({ message = err })
  end
  connection:request('config.get', { profile = name }, function(e)
    if e then
      notify(e.message, vim.log.levels.ERROR)
    else
      config.options.profile = name
    end
    on_done(e)
  end)
end

--- Stops the daemon; the next request starts it again (with the current options).
function M.restart()
  request.cancel()
  daemon.stop()
  notify('daemon stopped; the next request starts it again')
end

--- A statusline component: "⟳ switchboard <cancel key>" while an answer streams, else "".
function M.statusline()
  return request.statusline()
end

--- {busy, last}: whether requests are in flight, and how the last one ended.
function M.status()
  return { busy = request.busy() or chat.preparing(), last = request.last }
end

--- Stops the daemon (shutdown, then exit). Returns true when it is no longer running.
function M.shutdown()
  return daemon.stop()
end

--- The daemon's connection (started when needed), for scripts: connection:request(method, params, cb).
function M.connection()
  return daemon.get()
end

return M
