-- The editor's own tools, offered to the model in agent runs and run here when the daemon sends
-- `tool.execute`: read a buffer or a file of the project, list the project's files, search the
-- project, propose an edit (shown as the rewrite diff, the user's decision is the answer).
--
-- The model is an untrusted party (a file it read can have prompt-injected it): every path it
-- names is resolved inside the project root (the git root of the working directory, else the
-- working directory) and refused outside it, links included; listings and searches are bounded.
local M = {}

local api = vim.api
local uv = vim.uv or vim.loop

M.MAX_READ_BYTES = 200 * 1024
M.MAX_FILES = 500
M.MAX_MATCHES = 200
-- folders a listing or a search without rg/grep does not enter
local SKIPPED = { ['.git'] = true, ['node_modules'] = true, ['.build'] = true }

local function object(properties, required)
  return { type = 'object', properties = properties, required = required, additionalProperties = false }
end

local function string_param(description)
  return { type = 'string', description = description }
end

-- name -> {description, parameters, run(arguments, reply) -> cancel?}
local TOOLS = {}
-- the order they are offered in
M.NAMES = { 'read_file', 'list_files', 'search', 'propose_edit' }

--- The project root: the git root of the working directory, else the working directory.
function M.root()
  local cwd = uv.fs_realpath(vim.fn.getcwd()) or vim.fn.getcwd()
  local dir = cwd
  while dir do
    if uv.fs_stat(dir .. '/.git') then
      return dir
    end
    local parent = vim.fn.fnamemodify(dir, ':h')
    dir = parent ~= dir and parent or nil
  end
  return cwd
end

local function inside(root, path)
  return path == root or vim.startswith(path, root == '/' and '/' or root .. '/')
end

--- The absolute path of `path` (relative to the root) when it is inside the project, links
--- resolved; else nil and why.
function M.resolve(path)
  if type(path) ~= 'string' or path == '' then
    return nil, 'no path given'
  end
  local root = M.root()
  local full = path:sub(1, 1) == '/' and path or root .. '/' .. path
  full = vim.fn.fnamemodify(full, ':p'):gsub('/$', '')
  full = full == '' and '/' or full
  -- a file that does not exist yet: its folder is resolved
  local real = uv.fs_realpath(full) or ((uv.fs_realpath(vim.fn.fnamemodify(full, ':h')) or '') .. '/' .. vim.fn.fnamemodify(full, ':t'))
  if not inside(root, full) or not inside(root, real) then
    return nil, ('%s is outside the project (%s)'):format(path, root)
  end
  return real
end

local function relative(root, path)
  return path == root and '.' or path:sub(#root + 2)
end

-- The loaded buffer of file `path`, or nil.
local function buffer_of(path)
  for _, buf in ipairs(api.nvim_list_bufs()) do
    if api.nvim_buf_is_loaded(buf) and api.nvim_buf_get_name(buf) ~= '' then
      local name = uv.fs_realpath(api.nvim_buf_get_name(buf)) or api.nvim_buf_get_name(buf)
      if name == path then
        return buf
      end
    end
  end
end

TOOLS.read_file = {
  description = 'Read a text file of the project (its open buffer, unsaved changes included, when the editor has it open). Paths are relative to the project root.',
  parameters = object({ path = string_param('The file, relative to the project root') }, { 'path' }),
  run = function(arguments, reply)
    local path, err = M.resolve(arguments.path)
    if not path then
      return reply(err, true)
    end
    local buf = buffer_of(path)
    local text
    if buf then
      text = table.concat(api.nvim_buf_get_lines(buf, 0, -1, false), '\n') .. (vim.bo[buf].eol and '\n' or '')
    else
      local handle = io.open(path, 'rb')
      if not handle or vim.fn.isdirectory(path) == 1 then
        if handle then
          handle:close()
        end
        return reply(('no file %s (list_files lists them)'):format(arguments.path), true)
      end
      text = handle:read(M.MAX_READ_BYTES + 1) or ''
      handle:close()
    end
    if text:find('\0', 1, true) then
      return reply(arguments.path .. ' is a binary file', true)
    end
    if #text > M.MAX_READ_BYTES then
      text = text:sub(1, M.MAX_READ_BYTES) .. ('\n[cut at %d bytes]'):format(M.MAX_READ_BYTES)
    end
    reply(text)
  end,
}

-- Up to `limit` files under `dir` (absolute), as paths relative to `root`: rg's list (which
-- keeps to what git does not ignore) when rg is there, else a walk skipping SKIPPED folders.
local function files_under(root, dir, limit)
  local found = {}
  if vim.fn.executable('rg') == 1 then
    for _, line in ipairs(vim.fn.systemlist({ 'rg', '--files', '--sort', 'path', dir })) do
      if #found >= limit then
        break
      end
      table.insert(found, relative(root, line))
    end
    if vim.v.shell_error == 0 or #found > 0 then
      return found
    end
  end
  local queue = { dir }
  while #queue > 0 and #found < limit do
    local current = table.remove(queue, 1)
    local handle = uv.fs_scandir(current)
    local entries = {}
    while handle do
      local name, kind = uv.fs_scandir_next(handle)
      if not name then
        break
      end
      table.insert(entries, { name, kind })
    end
    table.sort(entries, function(a, b)
      return a[1] < b[1]
    end)
    for _, entry in ipairs(entries) do
      local path = current .. '/' .. entry[1]
      if entry[2] == 'directory' and not SKIPPED[entry[1]] then
        table.insert(queue, path)
      elseif entry[2] == 'file' and #found < limit then
        table.insert(found, relative(root, path))
      end
    end
  end
  return found
end

TOOLS.list_files = {
  description = ('List the files of the project (at most %d), or of one of its folders, as paths relative to the project root.'):format(M.MAX_FILES),
  parameters = object({ path = string_param('The folder to list, relative to the project root; "." for the whole project') }, { 'path' }),
  run = function(arguments, reply)
    local dir, err = M.resolve(arguments.path == nil and '.' or arguments.path)
    if not dir then
      return reply(err, true)
    end
    if vim.fn.isdirectory(dir) ~= 1 then
      return reply(('no folder %s'):format(arguments.path), true)
    end
    local files = files_under(M.root(), dir, M.MAX_FILES + 1)
    local more = #files > M.MAX_FILES
    files = vim.list_slice(files, 1, M.MAX_FILES)
    reply(table.concat(files, '\n') .. (more and ('\n[more files: only the first %d are listed]'):format(M.MAX_FILES) or ''))
  end,
}

-- "path:line:text" lines of the files holding `query` (fixed text), at most `limit`.
local function search(root, query, limit)
  local argv
  if vim.fn.executable('rg') == 1 then
    argv = { 'rg', '--line-number', '--no-heading', '--fixed-strings', '--max-columns', '300', '--max-count', '20', '--', query, root }
  elseif vim.fn.executable('grep') == 1 then
    argv = { 'grep', '-rnIF', '--exclude-dir=.git', '--exclude-dir=node_modules', '-m', '20', '--', query, root }
  end
  local found = {}
  if argv then
    for _, line in ipairs(vim.fn.systemlist(argv)) do
      if #found >= limit then
        break
      end
      table.insert(found, vim.startswith(line, root .. '/') and line:sub(#root + 2) or line)
    end
    return found
  end
  for _, path in ipairs(files_under(root, root, 5000)) do
    local number = 0
    for line in io.lines(root .. '/' .. path) do
      number = number + 1
      if #found >= limit then
        return found
      end
      if line:find(query, 1, true) then
        table.insert(found, ('%s:%d:%s'):format(path, number, line:sub(1, 300)))
      end
    end
  end
  return found
end

TOOLS.search = {
  description = ('Search the files of the project for a text (not a pattern); gives up to %d "path:line:text" lines.'):format(M.MAX_MATCHES),
  parameters = object({ query = string_param('The text to look for') }, { 'query' }),
  run = function(arguments, reply)
    if type(arguments.query) ~= 'string' or arguments.query == '' then
      return reply('no query given', true)
    end
    local found = search(M.root(), arguments.query, M.MAX_MATCHES + 1)
    if #found == 0 then
      return reply('no match for ' .. arguments.query)
    end
    local more = #found > M.MAX_MATCHES
    found = vim.list_slice(found, 1, M.MAX_MATCHES)
    reply(table.concat(found, '\n') .. (more and '\n[more matches: narrow the query]' or ''))
  end,
}

TOOLS.propose_edit = {
  description = 'Propose replacing lines start_line..end_line (1-based, inclusive) of a project file with new text. The user sees the change as a diff and accepts or rejects it; the answer says which. end_line = start_line - 1 inserts before start_line.',
  parameters = object({
    path = string_param('The file, relative to the project root'),
    start_line = { type = 'integer', description = 'First line replaced (1-based)' },
    end_line = { type = 'integer', description = 'Last line replaced (inclusive)' },
    replacement = string_param('The new text of those lines'),
  }, { 'path', 'start_line', 'end_line', 'replacement' }),
  run = function(arguments, reply)
    local path, err = M.resolve(arguments.path)
    if not path then
      return reply(err, true)
    end
    local first, last = tonumber(arguments.start_line), tonumber(arguments.end_line)
    if type(arguments.replacement) ~= 'string' or not first or not last then
      return reply('propose_edit needs path, start_line, end_line and replacement', true)
    end
    local buf = buffer_of(path) or vim.fn.bufadd(path)
    vim.fn.bufload(buf)
    local count = api.nvim_buf_line_count(buf)
    if first < 1 or last < first - 1 or last > count then
      return reply(('lines %d..%d are not in %s (%d lines)'):format(first, last, arguments.path, count), true)
    end
    local lines = vim.split(arguments.replacement:gsub('\n$', ''), '\n', { plain = true })
    local close, busy = require('switchboard.rewrite').propose(buf, first, last, lines, function(accepted)
      if accepted then
        reply(('accepted: the user applied the edit to %s (not saved yet)'):format(arguments.path))
      else
        reply('rejected: the user did not apply the edit')
      end
    end)
    if not close then
      return reply(busy, true)
    end
    return close
  end,
}

--- The function tools offered to the model: those named in `names` (default: all), in order.
function M.definitions(names)
  local definitions = {}
  for _, name in ipairs(names or M.NAMES) do
    local tool = TOOLS[name]
    if tool then
      table.insert(definitions, {
        type = 'function',
        ['function'] = { name = name, description = tool.description, parameters = tool.parameters },
      })
    end
  end
  return definitions
end

--- Runs tool `name` with `arguments`; `done(text, is_error)` gets its answer, once. Returns a
--- function that stops it (a proposed edit's diff is closed), or nil.
function M.run(name, arguments, done)
  local tool = TOOLS[name]
  if not tool then
    return done(('no tool %s in this editor'):format(tostring(name)), true)
  end
  local answered = false
  local function reply(text, is_error)
    if not answered then
      answered = true
      done(text, is_error == true)
    end
  end
  local ok, stop = pcall(tool.run, type(arguments) == 'table' and arguments or {}, reply)
  if not ok then
    reply(name .. ' failed: ' .. tostring(stop), true)
    return nil
  end
  return stop
end

--- Answers the daemon's `tool.execute` requests on `connection` with these tools.
function M.serve(connection)
  connection:handle('tool.execute', function(params, reply)
    return M.run(params.name, params.arguments, function(text, is_error)
      reply({ content = text, is_error = is_error or nil })
    end)
  end)
end

return M
