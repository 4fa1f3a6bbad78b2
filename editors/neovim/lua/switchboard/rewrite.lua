-- Rewrite a range of lines: the instruction and the lines go to the model, its rewrite streams into
-- a new tab page that shows the original and the proposal side by side in diff mode; accepting
-- replaces the lines in one undo step, rejecting (or closing the tab) leaves them as they were.
-- The proposal can be edited before it is accepted. The model's propose_edit tool (tools.lua)
-- shows its edit the same way, with the decision as the tool's answer.
local config = require('switchboard.config')
local conversation = require('switchboard.conversation')
local context = require('switchboard.context')
local request = require('switchboard.request')

local M = {}

local api = vim.api
-- the rewrite on screen: {buf, win, line1, line2, original, tab, proposal, on_decision?}
local session = nil

local function notify(message, level)
  vim.notify('switchboard: ' .. message, level or vim.log.levels.INFO)
end

local function scratch(name, lines, filetype)
  local buf = api.nvim_get_current_buf()
  vim.bo[buf].buftype = 'nofile'
  vim.bo[buf].bufhidden = 'wipe'
  vim.bo[buf].swapfile = false
  api.nvim_buf_set_name(buf, name)
  api.nvim_buf_set_lines(buf, 0, -1, false, lines)
  vim.bo[buf].filetype = filetype
  vim.cmd('diffthis')
  local keys = config.options.diff_keys
  for lhs, action in pairs({ [keys.accept] = M.accept, [keys.reject] = M.reject, q = M.reject }) do
    vim.keymap.set('n', lhs, action, { buffer = buf, desc = 'switchboard: rewrite' })
  end
  -- closing the tab by hand (:tabclose, :q) wipes the buffer: that is a rejection
  api.nvim_create_autocmd('BufWipeout', {
    buffer = buf,
    once = true,
    callback = function()
      M.forget(buf)
    end,
  })
  return buf
end

--- Forgets the rewrite on screen when `buf` is one of its buffers (wiped when its tab was closed
--- by hand), cancelling the proposal if it still streams.
function M.forget(buf)
  local current = session
  if current and (buf == current.proposal or buf == current.original_buf) then
    session = nil
    request.cancel(current.proposal)
    if current.on_decision then
      current.on_decision(false)
    end
  end
end

-- Closes the diff; `accepted` (true, false, or nil: no decision, a cancelled tool call) goes to
-- the proposal's on_decision.
local function close(accepted)
  local current = session
  session = nil
  if current and current.on_decision and accepted ~= nil then
    current.on_decision(accepted)
  end
  if current and api.nvim_tabpage_is_valid(current.tab) then
    if #api.nvim_list_tabpages() > 1 then
      vim.cmd('tabclose ' .. api.nvim_tabpage_get_number(current.tab))
    end
  end
  if current and api.nvim_win_is_valid(current.win) then
    api.nvim_set_current_win(current.win)
  end
end

local function refuse_second()
  notify('a rewrite is on screen: accept (' .. config.options.diff_keys.accept .. ') or reject it first', vim.log.levels.WARN)
end

-- Opens the diff tab for lines `line1`..`line2` of `buf` (shown in `win`), the proposal `lines`.
local function open(buf, win, line1, line2, lines)
  local original = api.nvim_buf_get_lines(buf, line1 - 1, line2, false)
  local filetype = vim.bo[buf].filetype
  vim.cmd('tabnew')
  session = { buf = buf, win = win, line1 = line1, line2 = line2, original = original, tab = api.nvim_get_current_tabpage() }
  session.original_buf = scratch('switchboard://original', original, filetype)
  vim.cmd('rightbelow vnew')
  session.proposal = scratch('switchboard://rewrite', lines, filetype)
  return session
end

--- Shows `lines` as the proposed replacement of lines `line1`..`line2` (1-based; line2 =
--- line1 - 1 inserts before line1) of `buf`; `on_decision(accepted)` runs when the user accepts
--- or rejects it (closing the tab rejects it). Returns a function that closes the diff without a
--- decision, or nil and a message when another rewrite is on screen.
function M.propose(buf, line1, line2, lines, on_decision)
  if session then
    return nil, 'another rewrite is on screen'
  end
  local this = open(buf, api.nvim_get_current_win(), line1, line2, lines)
  this.on_decision = on_decision
  vim.cmd('diffupdate')
  notify(('proposed edit: %s accepts, %s rejects'):format(config.options.diff_keys.accept, config.options.diff_keys.reject))
  return function()
    if session == this then
      close(nil)
    end
  end
end

--- Asks for a rewrite of lines `line1`..`line2` (1-based) of the current buffer per `instruction`.
function M.start(line1, line2, instruction)
  if session then
    return refuse_second()
  end
  local buf, win = api.nvim_get_current_buf(), api.nvim_get_current_win()
  local user = table.concat(vim.list_extend({ instruction, '' }, context.lines(buf, line1, line2)), '\n')
  local this = open(buf, win, line1, line2, {})
  request.start({
    messages = { { role = 'system', content = config.options.rewrite_prompt }, { role = 'user', content = user } },
    model = config.options.model,
  }, {
    buf = session.proposal,
    row = 0,
    col = 0,
    cancel_hint = config.options.diff_keys.reject,
    on_end = function(outcome)
      if session ~= this or not api.nvim_buf_is_valid(this.proposal) then
        return
      end
      if outcome.outcome == 'done' then
        api.nvim_buf_set_lines(this.proposal, 0, -1, false, conversation.code_of(outcome.text))
        api.nvim_win_call(vim.fn.win_findbuf(this.proposal)[1], function()
          vim.cmd('diffupdate')
        end)
        notify(('rewrite ready: %s accepts, %s rejects'):format(config.options.diff_keys.accept, config.options.diff_keys.reject))
      else -- cancelled, or failed (the error has been reported)
        close()
      end
    end,
  })
end

--- Replaces the original lines with the proposal (as it is now, edits included), in one undo step.
function M.accept()
  if not session then
    return notify('no rewrite to accept', vim.log.levels.WARN)
  end
  if request.busy(session.proposal) then
    return notify('the rewrite is still streaming', vim.log.levels.WARN)
  end
  local s = session
  if not api.nvim_buf_is_valid(s.proposal) then
    session = nil
    return notify('no rewrite to accept: its tab was closed', vim.log.levels.WARN)
  end
  if not api.nvim_buf_is_valid(s.buf) then
    close(false)
    return notify('the buffer is gone', vim.log.levels.ERROR)
  end
  if not vim.deep_equal(api.nvim_buf_get_lines(s.buf, s.line1 - 1, s.line2, false), s.original) then
    return notify('the lines changed since the rewrite was asked for; not applied', vim.log.levels.ERROR)
  end
  local proposal = api.nvim_buf_get_lines(s.proposal, 0, -1, false)
  api.nvim_buf_set_lines(s.buf, s.line1 - 1, s.line2, false, proposal)
  close(true)
end

--- Drops the proposal (cancelling it while it streams) and closes the diff.
function M.reject()
  if not session then
    return
  end
  if request.cancel(session.proposal) == 0 then
    close(false)
  end
end

--- Whether a rewrite is on screen.
function M.active()
  return session ~= nil
end

return M
