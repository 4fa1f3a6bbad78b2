-- Streamed chat requests in flight: each writes its answer at an extmark in a buffer (the mark
-- moves along as text goes in) or shows it as a preview there, shows a busy note with the cancel
-- key beside it, and ends with
-- an outcome {outcome = 'done'|'cancelled'|'error', text, result?, error?}. An agent run also
-- writes a record of each tool call (see conversation.lua), updated as its status changes.
local daemon = require('switchboard.daemon')
local config = require('switchboard.config')

local M = {}

local api = vim.api
local namespace = api.nvim_create_namespace('switchboard')

-- request id -> job {buf, mark, note, undo, joined, preview, pieces, cancel_hint, on_end}
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

-- Replaces rows `first`..`last` (0-based, end exclusive) of the job's buffer with `lines`, or
-- with `lines` = {text, col} inserts the text at the job's mark. The cursor of a window on the
-- line being written moves along (the user follows the stream); other cursors stay where they are.
local function write(job, change)
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
    if change.text then
      api.nvim_buf_set_text(buf, row, col, row, col, vim.split(change.text, '\n', { plain = true }))
    else
      api.nvim_buf_set_lines(buf, change.first, change.last, false, change.lines)
    end
  end)
  job.joined = true
  local new_row, new_col = position(job)
  for _, win in ipairs(followers) do
    api.nvim_win_set_cursor(win, { new_row + 1, math.max(0, new_col - 1) })
  end
  show_note(job)
end

-- Adds `text` to the job's answer: into the buffer, or to the preview (which shows all the
-- pieces so far).
local function insert(job, text)
  if job.preview then
    job.preview(table.concat(job.pieces), job)
  else
    write(job, { text = text })
  end
end

local MAX_RESULT_LINES = 12

-- `value` on one line, at most `width` characters.
local function one_line(value, width)
  local text = type(value) == 'string' and value or vim.json.encode(value):gsub('\\/', '/')
  text = text:gsub('%s*\n%s*', ' ')
  return #text > width and text:sub(1, width) .. '…' or text
end

--- The lines recording tool call `call` (a tool.call notification's params) in an answer.
function M.tool_record(call)
  local lines = { ('> [tool] %s … %s'):format(call.name or '?', call.status or '?') }
  if call.arguments ~= nil then
    table.insert(lines, '>   arguments: ' .. one_line(call.arguments, 300))
  end
  if type(call.result) == 'string' then
    local result = vim.split(vim.trim(call.result), '\n', { plain = true })
    if #result == 1 then
      table.insert(lines, '>   result: ' .. one_line(result[1], 300))
    else
      table.insert(lines, '>   result:')
      for i = 1, math.min(#result, MAX_RESULT_LINES) do
        table.insert(lines, '>     ' .. one_line(result[i], 200))
      end
      if #result > MAX_RESULT_LINES then
        table.insert(lines, ('>     … (%d more lines)'):format(#result - MAX_RESULT_LINES))
      end
    end
  end
  return lines
end

-- Writes (or rewrites) the record of the tool call in `params` into the job's answer.
local function record_tool_call(job, params)
  local call = job.calls[params.call_id]
  local lines = M.tool_record(params)
  if not call then
    local row, col = position(job)
    local text = table.concat(lines, '\n') .. '\n'
    insert(job, col > 0 and '\n' .. text or text)
    local first = col > 0 and row + 1 or row
    call = { mark = api.nvim_buf_set_extmark(job.buf, namespace, first, 0, { right_gravity = false }), count = #lines }
    job.calls[params.call_id] = call
    return
  end
  local first = api.nvim_buf_get_extmark_by_id(job.buf, namespace, call.mark, {})[1]
  write(job, { first = first, last = first + call.count, lines = lines })
  call.count = #lines
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
  outcome.records = {} -- the first lines (0-based) of the tool call records written
  if api.nvim_buf_is_valid(job.buf) then
    for _, call in pairs(job.calls) do
      table.insert(outcome.records, api.nvim_buf_get_extmark_by_id(job.buf, namespace, call.mark, {})[1])
    end
  end
  M.last = outcome
  job.on_end(outcome, job)
  if api.nvim_buf_is_valid(job.buf) then
    api.nvim_buf_del_extmark(job.buf, namespace, job.mark)
    for _, call in pairs(job.calls) do
      api.nvim_buf_del_extmark(job.buf, namespace, call.mark)
    end
  end
  api.nvim_exec_autocmds('User', { pattern = 'SwitchboardDone', modeline = false })
end

--- Sends `chat.complete` (streamed; `agent.run` with opts.agent) with `params` and writes the
--- answer into `opts.buf` at (opts.row, opts.col), 0-based, with a record of each tool call.
--- `opts.preview(text, job)`: instead, called with the answer so far at each piece, the buffer
--- left alone (the mark, `M.end_of(job)`, still follows the user's edits). `opts.undo`: join the
--- insertions into one undo step (with the change just before when `opts.joined`);
--- `opts.cancel_hint`: the key shown in the busy note; `opts.on_end(outcome, job)` runs last, with
--- `job.buf` and the answer's end in `M.end_of(job)`. Returns the request id, or nil.
function M.start(params, opts)
  local connection, err = daemon.get()
  local job = {
    buf = opts.buf,
    undo = opts.undo,
    joined = opts.joined,
    preview = opts.preview,
    pieces = {},
    calls = {}, -- tool call id -> {mark, count}: its record's first line and length
    cancel_hint = opts.cancel_hint or ':SwitchboardCancel',
    on_end = opts.on_end,
  }
  job.mark = api.nvim_buf_set_extmark(opts.buf, namespace, opts.row, opts.col, { right_gravity = true })
  if not connection then
    notify_error(err)
    M.last = { outcome = 'error', text = '', error = { message = err } }
    opts.on_end(M.last, job)
    return nil
  end
  params.stream = true
  params.profile = config.options.profile
  local id
  id = connection:request(opts.agent and 'agent.run' or 'chat.complete', params, function(e, result)
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
    connection:listen(id, 'tool.call', function(call)
      if jobs[id] and api.nvim_buf_is_loaded(job.buf) then
        record_tool_call(job, call)
      end
    end)
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
