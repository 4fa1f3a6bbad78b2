-- Streamed chat requests in flight: each writes its answer at an extmark in a buffer (the mark
-- moves along as text goes in), shows a busy note with the cancel key beside it, and ends with
-- an outcome {outcome = 'done'|'cancelled'|'error', text, result?, error?}.
local daemon = require('switchboard.daemon')
local config = require('switchboard.config')

local M = {}

local api = vim.api
local namespace = api.nvim_create_namespace('switchboard')

-- request id -> job {buf, mark, note, undo, joined, pieces, cancel_hint, on_end}
local jobs = {}
-- the outcome of the last request that ended
M.last = nil

local function notify_error(message)
  vim.notify('switchboard: ' .. message, vim.log.levels.ERROR)
end

local function position(job)
  local mark = api.nvim_buf_get_extmark_by_id(job.buf, namespace, job.mark, {})
  return mark[1], mark[2]
end

local function show_note(job)
  local row = position(job)
  job.note = api.nvim_buf_set_extmark(job.buf, namespace, row, 0, {
    id = job.note,
    virt_text = { { ' ⟳ answering… ' .. job.cancel_hint .. ' cancels', 'Comment' } },
    virt_text_pos = 'eol',
  })
end

-- Inserts `text` at the job's mark. The cursor of a window on the line being written moves along
-- (the user follows the stream); other cursors stay where they are.
local function insert(job, text)
  local buf = job.buf
  if not api.nvim_buf_is_loaded(buf) then
    return
  end
  local row, col = position(job)
  local followers = {}
  for _, win in ipairs(vim.fn.win_findbuf(buf)) do
    if api.nvim_win_get_cursor(win)[1] - 1 == row then
      table.insert(followers, win)
    end
  end
  api.nvim_buf_call(buf, function()
    if job.undo and job.joined then
      pcall(vim.cmd, 'undojoin') -- one undo step for the whole answer
    end
    api.nvim_buf_set_text(buf, row, col, row, col, vim.split(text, '\n', { plain = true }))
  end)
  job.joined = true
  local new_row, new_col = position(job)
  for _, win in ipairs(followers) do
    api.nvim_win_set_cursor(win, { new_row + 1, math.max(0, new_col - 1) })
  end
  show_note(job)
end

local function finish(id, outcome)
  local job = jobs[id]
  if not job then
    return
  end
  jobs[id] = nil
  if api.nvim_buf_is_valid(job.buf) then
    api.nvim_buf_del_extmark(job.buf, namespace, job.note)
  end
  outcome.text = table.concat(job.pieces)
  M.last = outcome
  job.on_end(outcome, job)
  if api.nvim_buf_is_valid(job.buf) then
    api.nvim_buf_del_extmark(job.buf, namespace, job.mark)
  end
  api.nvim_exec_autocmds('User', { pattern = 'SwitchboardDone', modeline = false })
end

--- Sends `chat.complete` (streamed) with `params` and writes the answer into `opts.buf` at
--- (opts.row, opts.col), 0-based. `opts.undo`: join the insertions into one undo step (with the
--- change just before when `opts.joined`);
--- `opts.cancel_hint`: the key shown in the busy note; `opts.on_end(outcome, job)` runs last, with
--- `job.buf` and the answer's end in `M.end_of(job)`. Returns the request id, or nil.
function M.start(params, opts)
  local connection, err = daemon.get()
  local job = {
    buf = opts.buf,
    undo = opts.undo,
    joined = opts.joined,
    pieces = {},
    cancel_hint = opts.cancel_hint or ':SwitchboardCancel',
    on_end = opts.on_end,
  }
  job.mark = api.nvim_buf_set_extmark(opts.buf, namespace, opts.row, opts.col, { right_gravity = true })
  if not connection then
    notify_error(err)
    opts.on_end({ outcome = 'error', text = '', error = { message = err } }, job)
    return nil
  end
  params.stream = true
  params.profile = config.options.profile
  local id
  id = connection:request('chat.complete', params, function(e, result)
    if e and e.code == require('switchboard.rpc').CANCELLED then
      return finish(id, { outcome = 'cancelled', error = e })
    elseif e then
      notify_error(e.message)
      return finish(id, { outcome = 'error', error = e })
    end
    local choice = result and result.choices and result.choices[1]
    local answer = choice and choice.message and choice.message.content
    if #jobs[id].pieces == 0 and type(answer) == 'string' and answer ~= '' then
      -- an upstream that ignored `stream` sends the whole answer in the result only
      table.insert(jobs[id].pieces, answer)
      insert(jobs[id], answer)
    end
    finish(id, { outcome = 'done', result = result })
  end, function(delta)
    local content = delta.index == 0 and delta.delta and delta.delta.content
    if type(content) == 'string' and content ~= '' and jobs[id] then
      table.insert(jobs[id].pieces, content)
      insert(jobs[id], content)
      api.nvim_exec_autocmds('User', { pattern = 'SwitchboardDelta', modeline = false })
    end
  end)
  if id then
    jobs[id] = job
    show_note(job)
  end
  return id
end

--- The answer's end in the job's buffer: row, col (0-based).
function M.end_of(job)
  return position(job)
end

--- Cancels the requests writing into `buf` (every request when nil). Returns how many.
function M.cancel(buf)
  local count = 0
  for id, job in pairs(jobs) do
    if buf == nil or job.buf == buf then
      daemon.get():cancel(id)
      count = count + 1
    end
  end
  return count
end

--- Whether requests are in flight (into `buf` only, when given).
function M.busy(buf)
  for _, job in pairs(jobs) do
    if buf == nil or job.buf == buf then
      return true
    end
  end
  return false
end

--- A statusline component: "⟳ switchboard <cancel key>" while requests are in flight, else "".
function M.statusline()
  for _, job in pairs(jobs) do
    return '⟳ switchboard ' .. job.cancel_hint
  end
  return ''
end

return M
