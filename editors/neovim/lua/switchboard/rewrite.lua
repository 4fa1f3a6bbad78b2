-- Rewrite a range of lines: the instruction and the lines go to the model, its rewrite streams into
-- a new tab page that shows the original and the proposal side by side in diff mode; accepting
-- replaces the lines in one undo step, rejecting (or closing the tab) leaves them as they were.
-- The proposal can be edited before it is accepted.
local config = require('switchboard.config')
local conversation = require('switchboard.conversation')
local context = require('switchboard.context')
local request = require('switchboard.request')

local M = {}

local api = vim.api
-- the rewrite on screen: {buf, win, line1, line2, original, tab, proposal}
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
  end
end

local function close()
  local current = session
  session = nil
  if current and api.nvim_tabpage_is_valid(current.tab) then
    if #api.nvim_list_tabpages() > 1 then
      vim.cmd('tabclose ' .. api.nvim_tabpage_get_number(current.tab))
    end
  end
  if current and api.nvim_win_is_valid(current.win) then
    api.nvim_set_current_win(current.win)
  end
end

--- Asks for a rewrite of lines `line1`..`line2` (1-based) of the current buffer per `instruction`.
function M.start(line1, line2, instruction)
  if session then
    return notify('a rewrite is on screen: accept (' .. config.options.diff_keys.accept .. ') or reject it first', vim.log.levels.WARN)
  end
  local buf, win = api.nvim_get_current_buf(), api.nvim_get_current_win()
  local original = api.nvim_buf_get_lines(buf, line1 - 1, line2, false)
  local filetype = vim.bo[buf].filetype
  local user = table.concat(vim.list_extend({ instruction, '' }, context.lines(buf, line1, line2)), '\n')
  vim.cmd('tabnew')
  session = { buf = buf, win = win, line1 = line1, line2 = line2, original = original, tab = api.nvim_get_current_tabpage() }
  session.original_buf = scratch('switchboard://original', original, filetype)
  vim.cmd('rightbelow vnew')
  session.proposal = scratch('switchboard://rewrite', {}, filetype)
  local this = session
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
    close()
    return notify('the buffer is gone', vim.log.levels.ERROR)
  end
  if not vim.deep_equal(api.nvim_buf_get_lines(s.buf, s.line1 - 1, s.line2, false), s.original) then
    return notify('the lines changed since the rewrite was asked for; not applied', vim.log.levels.ERROR)
  end
  local proposal = api.nvim_buf_get_lines(s.proposal, 0, -1, false)
  close()
  api.nvim_buf_set_lines(s.buf, s.line1 - 1, s.line2, false, proposal)
end

--- Drops the proposal (cancelling it while it streams) and closes the diff.
function M.reject()
  if not session then
    return
  end
  if request.cancel(session.proposal) == 0 then
    close()
  end
end

--- Whether a rewrite is on screen.
function M.active()
  return session ~= nil
end

return M
