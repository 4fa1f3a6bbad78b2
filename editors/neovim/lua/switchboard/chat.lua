-- Chat buffers: a Markdown conversation (see conversation.lua) you type into under "## You" and
-- send with a key; the answer streams in under "## Assistant", then a new "## You" block waits.
-- A new chat is a scratch buffer switchboard://chat-N; :SwitchboardSave turns it into a file,
-- :SwitchboardOpen makes any Markdown file a chat again. With the conversation store on, a chat
-- is also a stored conversation (b:switchboard_conversation), which :SwitchboardHistory reopens.
-- With tools on, a chat runs through agent.run: tool calls are recorded in the answer, folded.
local config = require('switchboard.config')
local conversation = require('switchboard.conversation')
local request = require('switchboard.request')
local daemon = require('switchboard.daemon')

local M = {}

local api = vim.api
local count = 0
-- the chat buffer used last
local current = nil
-- chats waiting for tools.list before their send goes out
local preparing = {}
-- set when the daemon said its conversation store cannot be used (-32008)
local store_unusable = false
local usage_namespace = api.nvim_create_namespace('switchboard.usage')

-- Folds each tool call record of an answer on its first line ("> [tool] …"), closed.
local FOLD_EXPR = [[getline(v:lnum)=~'^> \[tool\] '?'>1':(getline(v:lnum)=~'^>  '?'=':'0')]]

local function fold_records(win)
  local wo = vim.wo[win]
  wo.foldmethod, wo.foldexpr, wo.foldtext = 'expr', FOLD_EXPR, 'getline(v:foldstart)'
  wo.foldlevel, wo.foldenable = 0, true
end

local function get_var(buf, name)
  local ok, value = pcall(api.nvim_buf_get_var, buf, name)
  return ok and value or nil
end

--- Whether `buf` is a chat buffer.
function M.is_chat(buf)
  return api.nvim_buf_is_valid(buf) and get_var(buf, 'switchboard_chat') == true
end

local function lines_of(buf)
  return api.nvim_buf_get_lines(buf, 0, -1, false)
end

local function notify(message, level)
  vim.notify('switchboard: ' .. message, level or vim.log.levels.INFO)
end

--- Makes `buf` a chat buffer: Markdown, the chat keys, and `model` (a preset's) for its requests.
function M.attach(buf, model)
  api.nvim_buf_set_var(buf, 'switchboard_chat', true)
  if model then
    api.nvim_buf_set_var(buf, 'switchboard_model', model)
  end
  vim.bo[buf].filetype = 'markdown'
  local keys = config.options.chat_keys
  local function map(modes, lhs, rhs, desc)
    if lhs then
      vim.keymap.set(modes, lhs, rhs, { buffer = buf, desc = desc })
    end
  end
  map('n', keys.send, function() M.send(buf) end, 'switchboard: send')
  map({ 'n', 'i' }, keys.send_insert, function()
    vim.cmd('stopinsert')
    M.send(buf)
  end, 'switchboard: send')
  -- Normal mode only: in Insert mode the key keeps its meaning (<C-c> leaves Insert mode)
  map('n', keys.cancel, function()
    if request.cancel(buf) == 0 then
      notify('nothing to cancel')
    end
  end, 'switchboard: cancel the answer')
  map('n', keys.new, function()
    M.show(M.new(), { focus = true, here = true })
  end, 'switchboard: new chat')
  for _, win in ipairs(vim.fn.win_findbuf(buf)) do
    fold_records(win)
  end
  api.nvim_create_autocmd('BufWinEnter', {
    group = api.nvim_create_augroup('switchboard_chat_folds_' .. buf, { clear = true }),
    buffer = buf,
    callback = function()
      fold_records(api.nvim_get_current_win())
    end,
  })
  -- a chat closed (wiped, deleted or unloaded) while it answers stops its answer
  api.nvim_create_autocmd({ 'BufWipeout', 'BufDelete', 'BufUnload' }, {
    group = api.nvim_create_augroup('switchboard_chat_' .. buf, { clear = true }),
    buffer = buf,
    callback = function()
      request.cancel(buf)
    end,
  })
  current = buf
end

--- A new chat buffer, with the system prompt of preset `name` (or `system_prompt`).
function M.new(name)
  local preset = {}
  if name then
    preset = config.options.presets[name]
    if not preset then
      notify(('no preset %q (see presets in setup())'):format(name), vim.log.levels.ERROR)
      return nil
    end
  end
  count = count + 1
  local buf = api.nvim_create_buf(true, true)
  api.nvim_buf_set_name(buf, 'switchboard://chat-' .. count)
  vim.bo[buf].bufhidden = 'hide'
  api.nvim_buf_set_lines(buf, 0, -1, false, conversation.new(preset.system or config.options.system_prompt))
  M.attach(buf, preset.model)
  return buf
end

--- The chat buffer used last, or a new one.
function M.get()
  if current and M.is_chat(current) then
    return current
  end
  return M.new()
end

--- Shows `buf` in a window of this tab page (opening one with the `window` option, or using the
--- current one with opts.here); enters it with opts.focus and puts the cursor at the end.
function M.show(buf, opts)
  opts = opts or {}
  local win = vim.fn.bufwinid(buf)
  if win == -1 then
    local previous = api.nvim_get_current_win()
    if not opts.here then
      vim.cmd(config.options.window)
    end
    win = api.nvim_get_current_win()
    api.nvim_win_set_buf(win, buf)
    if not opts.focus then
      api.nvim_set_current_win(previous)
    end
  end
  if opts.focus then
    api.nvim_set_current_win(win)
    api.nvim_win_set_cursor(win, { api.nvim_buf_line_count(buf), 0 })
  end
  return win
end

-- Makes sure the buffer ends with a "## You" block (the input); returns its last line number.
local function ensure_input(buf)
  local lines = lines_of(buf)
  local blocks = conversation.blocks(lines)
  local last = blocks[#blocks]
  if not (last and last.role == 'user') then
    local empty = #lines == 1 and lines[1] == ''
    local blank_end = vim.trim(lines[#lines]) == ''
    api.nvim_buf_set_lines(buf, empty and 0 or #lines, -1, false, (empty or blank_end) and { '## You', '' } or { '', '## You', '' })
  end
  return api.nvim_buf_line_count(buf)
end

--- Appends `lines` to the input (the last "## You" block) of `buf`, followed by an empty line.
function M.add_input(buf, lines)
  local last = ensure_input(buf)
  local replace_empty = lines_of(buf)[last] == ''
  local added = vim.list_extend(vim.deepcopy(lines), { '' })
  api.nvim_buf_set_lines(buf, replace_empty and last - 1 or last, -1, false, added)
end

local function base_dir(buf)
  local name = api.nvim_buf_get_name(buf)
  if vim.bo[buf].buftype == '' and name ~= '' then
    return vim.fn.fnamemodify(name, ':p:h')
  end
  return vim.fn.getcwd()
end

--- The note that ends an answer with `outcome` ({outcome, result?, error?}), or nil.
function M.note_of(outcome)
  if outcome.outcome == 'cancelled' then
    return conversation.CANCELLED
  elseif outcome.outcome == 'error' then
    local message = tostring(outcome.error.message or ''):gsub('%s*\n%s*', ' ')
    local code = outcome.error.code and ' ' .. tostring(outcome.error.code) or ''
    return ('[error%s: %s]'):format(code, message)
  end
  local choice = type(outcome.result) == 'table' and type(outcome.result.choices) == 'table' and outcome.result.choices[1]
  if type(choice) == 'table' and choice.finish_reason == 'length' then
    return conversation.CUT_OFF
  end
end

--- Ends the answer that ends at (`row`, `col`) (0-based) in chat `buf`: closes a fence it left
--- open, adds the note of `outcome` (cancelled, cut off, error), then a new "## You" block to
--- type into (unless the input was started while the answer streamed). A cursor at or after the
--- answer's end moves to the new input.
function M.end_answer(buf, outcome, row, col)
  if not api.nvim_buf_is_loaded(buf) then
    return
  end
  local followers = vim.tbl_filter(function(win)
    return api.nvim_win_get_cursor(win)[1] - 1 >= row
  end, vim.fn.win_findbuf(buf))
  local added = {}
  local fence = conversation.open_fence(vim.split(outcome.text or '', '\n', { plain = true }))
  if fence then
    table.insert(added, fence)
  end
  local note = M.note_of(outcome)
  if note then
    table.insert(added, note)
  end
  local last
  api.nvim_buf_call(buf, function()
    pcall(vim.cmd, 'undojoin') -- the end is part of the answer's undo step
    if #added > 0 then
      if col > 0 then
        table.insert(added, 1, '')
      end
      api.nvim_buf_set_text(buf, row, col, row, col, added)
      pcall(vim.cmd, 'undojoin')
    end
    last = ensure_input(buf)
  end)
  for _, win in ipairs(followers) do
    api.nvim_win_set_cursor(win, { last, 0 })
  end
  -- the answer's tool call records end folded, also those the cursor passed while they were written
  for _, win in ipairs(vim.fn.win_findbuf(buf)) do
    api.nvim_win_call(win, function()
      for _, record in ipairs(outcome.records or {}) do
        pcall(vim.cmd, ('silent %dfoldclose'):format(record + 1))
      end
    end)
  end
  M.autosave(buf)
end

--- Saves scratch chat `buf` (not one that is a file: :w saves that) as Markdown in the
--- `autosave_dir`, one file per chat; returns its path, or nil when chats are not autosaved.
function M.autosave(buf)
  local dir = config.options.autosave_dir
  if dir == false or vim.bo[buf].buftype ~= 'nofile' then
    return nil
  end
  local path = get_var(buf, 'switchboard_autosave')
  if not path then
    dir = vim.fn.expand(dir or (vim.fn.stdpath('data') .. '/switchboard/chats'))
    vim.fn.mkdir(dir, 'p')
    path = ('%s/chat-%s-%d.md'):format(dir, os.date('%Y%m%d-%H%M%S'), buf)
    api.nvim_buf_set_var(buf, 'switchboard_autosave', path)
  end
  if vim.fn.writefile(lines_of(buf), path) ~= 0 then
    notify('cannot autosave the chat to ' .. path, vim.log.levels.WARN)
    return nil
  end
  return path
end

--- The stored conversation chat `buf` continues, or nil.
function M.conversation_id(buf)
  return get_var(buf, 'switchboard_conversation')
end

--- Makes chat `buf` continue the stored conversation `id` (nil: none).
function M.set_conversation_id(buf, id)
  if id == nil then
    pcall(api.nvim_buf_del_var, buf, 'switchboard_conversation')
  else
    api.nvim_buf_set_var(buf, 'switchboard_conversation', id)
  end
end

-- The token counts of `usage` as a short note, or nil.
function M.usage_note(usage)
  if type(usage) ~= 'table' or not usage.total_tokens then
    return nil
  end
  return ('%d tokens (%d in, %d out)'):format(usage.total_tokens, usage.prompt_tokens or 0, usage.completion_tokens or 0)
end

-- Remembers the conversation id the daemon gave the turn, shows its usage on the answer's
-- heading (mark `heading`), and turns the store off when the daemon cannot use it (the question
-- is then asked again, unstored: `outcome.resent`).
local function after_turn(buf, outcome, heading)
  local result = outcome.result or (outcome.error and type(outcome.error.data) == 'table' and outcome.error.data.partial)
  if type(result) == 'table' and type(result.conversation_id) == 'string' then
    M.set_conversation_id(buf, result.conversation_id)
  end
  if outcome.error and outcome.error.code == -32008 and not store_unusable then
    store_unusable = true
    notify('the conversation store cannot be used (' .. tostring(outcome.error.message) .. '): chats are not stored this session', vim.log.levels.WARN)
    outcome.resent = true
    vim.schedule(function()
      M.retry(buf)
    end)
  end
  local note = M.usage_note(type(result) == 'table' and result.usage)
  outcome.usage = type(result) == 'table' and result.usage or nil
  local row = api.nvim_buf_get_extmark_by_id(buf, usage_namespace, heading, {})[1]
  if note and row then
    api.nvim_buf_set_extmark(buf, usage_namespace, row, 0, { id = heading, virt_text = { { '  ' .. note, 'Comment' } }, virt_text_pos = 'eol' })
  else
    api.nvim_buf_del_extmark(buf, usage_namespace, heading)
  end
end

-- A chat continuing a conversation that another editor or script changed is told so.
require('switchboard.rpc').on_conversation_changed = function(id)
  for _, buf in ipairs(api.nvim_list_bufs()) do
    if M.is_chat(buf) and M.conversation_id(buf) == id then
      notify(('%s: its conversation changed elsewhere (another editor or script); :SwitchboardHistory opens it as it is now')
        :format(vim.fn.fnamemodify(api.nvim_buf_get_name(buf), ':t')), vim.log.levels.WARN)
    end
  end
end

--- Whether a chat (`buf`, or any) waits for tools.list before its send goes out.
function M.preparing(buf)
  return buf and preparing[buf] ~= nil or (buf == nil and next(preparing) ~= nil)
end

--- Whether chats are stored (the `store` option, unless the daemon said it cannot).
function M.storing()
  return config.options.store ~= false and not store_unusable
end

--- Sends the input of chat buffer `buf` with the conversation before it (only the input when the
--- chat continues a stored conversation, which the daemon holds), and streams the answer in below
--- it; through agent.run when tools are on.
function M.send(buf)
  if request.busy(buf) or preparing[buf] then
    return notify('an answer is still streaming; ' .. config.options.chat_keys.cancel .. ' cancels it', vim.log.levels.WARN)
  end
  local connection = daemon.get()
  if not connection then
    return M.send_now(buf, false) -- which notes why in the chat
  end
  preparing[buf] = true
  require('switchboard.agent').decide(connection, function(agent)
    preparing[buf] = nil
    if api.nvim_buf_is_loaded(buf) then
      M.send_now(buf, agent)
    end
  end)
end

--- Sends the input of chat `buf` at once: through agent.run when `agent`.
function M.send_now(buf, agent)
  local lines = lines_of(buf)
  local pending = conversation.pending(lines)
  if not pending then
    return notify('nothing to send: write your message under the last "## You"', vim.log.levels.WARN)
  end
  local messages = conversation.messages(lines, base_dir(buf))
  local params = {}
  if M.storing() then
    params.conversation_id = M.conversation_id(buf) or 'new'
    if params.conversation_id ~= 'new' then
      messages = { messages[#messages] } -- the daemon sends the stored ones before it
    end
  end
  local last = #lines
  while last > pending.first and vim.trim(lines[last]) == '' do
    last = last - 1
  end
  api.nvim_buf_set_lines(buf, last, -1, false, { '', '## Assistant', '' })
  local row = last + 2
  local heading = api.nvim_buf_set_extmark(buf, usage_namespace, row - 1, 0, {})
  for _, win in ipairs(vim.fn.win_findbuf(buf)) do
    api.nvim_win_set_cursor(win, { row + 1, 0 })
  end
  local model = get_var(buf, 'switchboard_model')
  if not model and conversation.has_image(messages) then
    model = config.options.vision_model
  end
  current = buf
  params.messages, params.model = messages, model or config.options.model
  if agent then
    params.tools = require('switchboard.agent').offered()
    if #params.tools == 0 then
      params.tools = nil
    end
  end
  return request.start(params, {
    agent = agent,
    buf = buf,
    row = row,
    col = 0,
    undo = true, -- one undo step for the answer, its heading included
    joined = true,
    cancel_hint = config.options.chat_keys.cancel or ':SwitchboardCancel',
    on_end = function(outcome, job)
      if api.nvim_buf_is_loaded(buf) then -- (not a chat closed mid-answer)
        after_turn(buf, outcome, heading)
        M.end_answer(buf, outcome, request.end_of(job))
      end
    end,
  })
end

--- Asks the last question of chat `buf` again: its answer (failed, cancelled, cut off or not) is
--- removed and the question sent anew. Nothing happens, with a note, when the chat does not end
--- with an answer (and an empty "## You").
function M.retry(buf)
  if request.busy(buf) then
    return notify('an answer is still streaming', vim.log.levels.WARN)
  end
  local lines = lines_of(buf)
  local blocks = conversation.blocks(lines)
  local last = blocks[#blocks]
  if last and last.role == 'user' and #vim.tbl_filter(function(l) return vim.trim(l) ~= '' end, last.lines) == 0 then
    last = blocks[#blocks - 1]
  end
  if not (last and last.role == 'assistant') then
    return notify('nothing to retry: the chat does not end with an answer', vim.log.levels.WARN)
  end
  api.nvim_buf_set_lines(buf, last.first - 1, -1, false, {})
  -- the stored conversation keeps the old answer: the question goes on in a new one, sent whole
  M.set_conversation_id(buf, nil)
  return M.send(buf)
end

--- Writes chat `buf` to `path` and shows that file in its place, still a chat: :w then saves it.
--- An existing file is left alone unless opts.force; a missing folder is reported.
function M.save(buf, path, opts)
  if request.busy(buf) then
    return notify('wait for the answer (or cancel it) before saving', vim.log.levels.WARN)
  end
  path = vim.fn.fnamemodify(vim.fn.expand(path), ':p')
  if vim.fn.isdirectory(vim.fn.fnamemodify(path, ':h')) == 0 then
    return notify('no folder ' .. vim.fn.fnamemodify(path, ':h') .. ' (create it first)', vim.log.levels.ERROR)
  end
  if not (opts and opts.force) and (vim.fn.filereadable(path) == 1 or vim.fn.isdirectory(path) == 1) then
    return notify(path .. ' exists: :SwitchboardSave! overwrites it', vim.log.levels.ERROR)
  end
  if vim.fn.writefile(lines_of(buf), path) ~= 0 then
    return notify('cannot write ' .. path, vim.log.levels.ERROR)
  end
  local model = get_var(buf, 'switchboard_model')
  local file = M.open(path, model)
  for _, win in ipairs(vim.fn.win_findbuf(buf)) do
    api.nvim_win_set_buf(win, file)
    api.nvim_win_set_cursor(win, { api.nvim_buf_line_count(file), 0 }) -- at the input, as before
  end
  if vim.bo[buf].buftype == 'nofile' then
    api.nvim_buf_delete(buf, { force = true })
  end
  notify('saved to ' .. path)
  return file
end

--- Loads the Markdown file `path` as a chat buffer (without showing it) and returns it.
function M.open(path, model)
  local buf = vim.fn.bufadd(vim.fn.fnamemodify(vim.fn.expand(path), ':p'))
  vim.fn.bufload(buf)
  vim.bo[buf].buflisted = true
  M.attach(buf, model)
  return buf
end

return M
