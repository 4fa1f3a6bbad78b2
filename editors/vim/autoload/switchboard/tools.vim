vim9script
# The editor's own tools, offered to the model in agent runs (g:switchboard_tools) and run here
# when the daemon sends `tool.execute`: read a buffer or a file of the project, list the
# project's files, search the project, propose an edit (shown as the rewrite diff; the user's
# decision is the answer). Names, parameters and path policy are those of the Neovim plugin.
#
# The model is an untrusted party (a file it read can have prompt-injected it): every path it
# names is resolved inside the project root (the git root of the working directory, else the
# working directory) and refused outside it, links included; listings and searches are bounded.

import autoload 'switchboard/context.vim'
import autoload 'switchboard/rewrite.vim'

export var MAX_READ_BYTES = 200 * 1024
export var MAX_FILES = 500
export var MAX_MATCHES = 200
# folders a listing or a search without rg/grep does not enter
const SKIPPED = ['.git', 'node_modules', '.build']
# the order they are offered in
export const NAMES = ['read_file', 'list_files', 'search', 'propose_edit']

def Text(description: string): dict<any>
  return {type: 'string', description: description}
enddef

def Schema(properties: dict<any>, required: list<string>): dict<any>
  return {type: 'object', properties: properties, required: required, additionalProperties: false}
enddef

const PATH = Text('The file, relative to the project root')
const DEFINITIONS = {
  read_file: {
    description: 'Read a text file of the project (its open buffer, unsaved changes included, when the editor has it open). Paths are relative to the project root.',
    parameters: Schema({path: PATH}, ['path'])},
  list_files: {
    description: printf('List the files of the project (at most %d), or of one of its folders, as paths relative to the project root.', MAX_FILES),
    parameters: Schema({path: Text('The folder to list, relative to the project root; "." for the whole project')}, ['path'])},
  search: {
    description: printf('Search the files of the project for a text (not a pattern); gives up to %d "path:line:text" lines.', MAX_MATCHES),
    parameters: Schema({query: Text('The text to look for')}, ['query'])},
  propose_edit: {
    description: 'Propose replacing lines start_line..end_line (1-based, inclusive) of a project file with new text. The user sees the change as a diff and accepts or rejects it; the answer says which. end_line = start_line - 1 inserts before start_line.',
    parameters: Schema({path: PATH,
      start_line: {type: 'integer', description: 'First line replaced (1-based)'},
      end_line: {type: 'integer', description: 'Last line replaced (inclusive)'},
      replacement: Text('The new text of those lines')}, ['path', 'start_line', 'end_line', 'replacement'])},
}

# The project root: the git root of the working directory, else the working directory.
export def Root(): string
  var cwd = resolve(getcwd())
  var dir = cwd
  while true
    if getftype(dir .. '/.git') != ''
      return dir
    endif
    var parent = fnamemodify(dir, ':h')
    if parent == dir
      return cwd
    endif
    dir = parent
  endwhile
  return cwd
enddef

def Inside(root: string, path: string): bool
  return path == root || stridx(path, root == '/' ? '/' : root .. '/') == 0
enddef

def Relative(root: string, path: string): string
  return path == root ? '.' : strpart(path, len(root) + 1)
enddef

# The absolute path of `path` (relative to the root) when it is inside the project, links
# resolved: [path, ''], else ['', why].
export def Resolve(path: any): list<string>
  if type(path) != v:t_string || path == ''
    return ['', 'no path given']
  endif
  var root = Root()
  var full = simplify(path[0] == '/' ? path : root .. '/' .. path)
  full = substitute(full, '/\+$', '', '')
  full = full == '' ? '/' : full
  # a file that does not exist yet: its folder is resolved
  var real = getftype(full) != '' ? resolve(full) : resolve(fnamemodify(full, ':h')) .. '/' .. fnamemodify(full, ':t')
  real = substitute(real, '\(.\)/\+$', '\1', '')
  if !Inside(root, full) || !Inside(root, real)
    return ['', printf('%s is outside the project (%s)', path, root)]
  endif
  return [real, '']
enddef

# The loaded buffer of file `path`, or -1.
def BufferOf(path: string): number
  for info in getbufinfo({bufloaded: 1})
    if info.name != '' && resolve(fnamemodify(info.name, ':p')) == path
      return info.bufnr
    endif
  endfor
  return -1
enddef

# Each tool: Run(arguments, Reply) where Reply(text, is_error); it returns a function that
# stops it, or v:null.

def ReadFile(arguments: dict<any>, Reply: func): any
  var [path, why] = Resolve(get(arguments, 'path', v:null))
  if path == ''
    return Reply(why, true)
  endif
  var buf = BufferOf(path)
  var text: string
  if buf != -1
    text = join(getbufline(buf, 1, '$'), "\n") .. (getbufvar(buf, '&eol') ? "\n" : '')
    # a NUL byte is held as a newline inside a line
    if !empty(getbufline(buf, 1, '$')->filter((_, line) => stridx(line, "\n") != -1))
      return Reply(arguments.path .. ' is a binary file', true)
    endif
  elseif isdirectory(path) || !filereadable(path)
    return Reply(printf('no file %s (list_files lists them)', arguments.path), true)
  elseif context.IsBinary(path)
    return Reply(arguments.path .. ' is a binary file', true)
  else
    text = join(readfile(path, 'b'), "\n")
  endif
  if len(text) > MAX_READ_BYTES
    text = strpart(text, 0, MAX_READ_BYTES) .. printf("\n[cut at %d bytes]", MAX_READ_BYTES)
  endif
  return Reply(text, false)
enddef

# Up to `limit` files under `dir` (absolute), as paths relative to `root`: rg's list (which keeps
# to what git does not ignore) when rg is there, else a walk skipping SKIPPED folders.
def FilesUnder(root: string, dir: string, limit: number): list<string>
  var found: list<string> = []
  if executable('rg')
    for line in systemlist('rg --files --sort path ' .. shellescape(dir))
      if len(found) >= limit
        break
      endif
      found->add(Relative(root, line))
    endfor
    if v:shell_error == 0 || !empty(found)
      return found
    endif
  endif
  var queue = [dir]
  while !empty(queue) && len(found) < limit
    var current = remove(queue, 0)
    for entry in sort(readdirex(current), (a, b) => a.name < b.name ? -1 : a.name > b.name ? 1 : 0)
      var path = current .. '/' .. entry.name
      if entry.type == 'dir' && index(SKIPPED, entry.name) == -1
        queue->add(path)
      elseif entry.type == 'file' && len(found) < limit
        found->add(Relative(root, path))
      endif
    endfor
  endwhile
  return found
enddef

def ListFiles(arguments: dict<any>, Reply: func): any
  var [dir, why] = Resolve(get(arguments, 'path', '.'))
  if dir == ''
    return Reply(why, true)
  endif
  if !isdirectory(dir)
    return Reply(printf('no folder %s', arguments.path), true)
  endif
  var files = FilesUnder(Root(), dir, MAX_FILES + 1)
  var more = len(files) > MAX_FILES
  return Reply(join(files[: MAX_FILES - 1], "\n") .. (more ? printf("\n[more files: only the first %d are listed]", MAX_FILES) : ''), false)
enddef

# "path:line:text" lines of the files holding `query` (fixed text), at most `limit`.
def Grep(root: string, query: string, limit: number): list<string>
  var command = ''
  if executable('rg')
    command = 'rg --line-number --no-heading --fixed-strings --max-columns 300 --max-count 20 -- '
  elseif executable('grep')
    command = 'grep -rnIF --exclude-dir=.git --exclude-dir=node_modules -m 20 -- '
  endif
  var found: list<string> = []
  if command != ''
    for line in systemlist(command .. shellescape(query) .. ' ' .. shellescape(root))
      if len(found) >= limit
        break
      endif
      found->add(stridx(line, root .. '/') == 0 ? strpart(line, len(root) + 1) : line)
    endfor
    return found
  endif
  for path in FilesUnder(root, root, 5000)
    var number = 0
    for line in readfile(root .. '/' .. path)
      number += 1
      if len(found) >= limit
        return found
      endif
      if stridx(line, query) != -1
        found->add(printf('%s:%d:%s', path, number, strpart(line, 0, 300)))
      endif
    endfor
  endfor
  return found
enddef

def Search(arguments: dict<any>, Reply: func): any
  var query = get(arguments, 'query', v:null)
  if type(query) != v:t_string || query == ''
    return Reply('no query given', true)
  endif
  var found = Grep(Root(), query, MAX_MATCHES + 1)
  if empty(found)
    return Reply('no match for ' .. query, false)
  endif
  var more = len(found) > MAX_MATCHES
  return Reply(join(found[: MAX_MATCHES - 1], "\n") .. (more ? "\n[more matches: narrow the query]" : ''), false)
enddef

def ProposeEdit(arguments: dict<any>, Reply: func): any
  var [path, why] = Resolve(get(arguments, 'path', v:null))
  if path == ''
    return Reply(why, true)
  endif
  var [first, last] = [get(arguments, 'start_line', v:null), get(arguments, 'end_line', v:null)]
  var replacement = get(arguments, 'replacement', v:null)
  if type(replacement) != v:t_string || index([v:t_number, v:t_float], type(first)) == -1 || index([v:t_number, v:t_float], type(last)) == -1
    return Reply('propose_edit needs path, start_line, end_line and replacement', true)
  endif
  var [line1, line2] = [float2nr(0.0 + first), float2nr(0.0 + last)]
  if isdirectory(path) || (filereadable(path) && context.IsBinary(path))
    return Reply(printf('%s is not a text file', arguments.path), true)
  endif
  var buf = BufferOf(path)
  if buf == -1
    buf = bufadd(path)
    bufload(buf)
    setbufvar(buf, '&buflisted', 1)
  endif
  var count = len(getbufline(buf, 1, '$'))
  if line1 < 1 || line2 < line1 - 1 || line2 > count
    return Reply(printf('lines %d..%d are not in %s (%d lines)', line1, line2, arguments.path, count), true)
  endif
  var lines = split(substitute(replacement, '\n$', '', ''), "\n", true)
  var Decided = (accepted) => accepted
    ? Reply(printf('accepted: the user applied the edit to %s (not saved yet)', arguments.path), false)
    : Reply('rejected: the user did not apply the edit', false)
  var [Stop, busy] = rewrite.Propose(buf, line1, line2, lines, Decided)
  if busy != ''
    return Reply(busy, true)
  endif
  return Stop
enddef

const RUNNERS = {read_file: ReadFile, list_files: ListFiles, search: Search, propose_edit: ProposeEdit}

# The function tools offered to the model: those named in `names` (default: all), in order.
export def Definitions(names: list<string> = NAMES): list<dict<any>>
  return copy(names)->filter((_, name) => has_key(DEFINITIONS, name))
    ->map((_, name) => ({type: 'function', function: extendnew({name: name}, DEFINITIONS[name])}))
enddef

# The editor tools g:switchboard_tools offers: all with 1 (v:true), the named ones with a list,
# none with 0.
export def Offered(): list<dict<any>>
  var option = get(g:, 'switchboard_tools', 0)
  return type(option) == v:t_list ? Definitions(option) : !!option ? Definitions() : []
enddef

# Runs tool `name` with `arguments`; Done(text, is_error) gets its answer, once. Returns a
# function that stops it (a proposed edit's diff is closed, without an answer), or v:null.
export def Run(name: any, arguments: any, Done: func): any
  if type(name) != v:t_string || !has_key(RUNNERS, name)
    Done(printf('no tool %s in this editor', name), true)
    return v:null
  endif
  var state = {answered: false}
  var Reply = (text, is_error) => {
    if !state.answered
      state.answered = true
      Done(text, is_error)
    endif
    return v:null
  }
  try
    return RUNNERS[name](type(arguments) == v:t_dict ? arguments : {}, Reply)
  catch
    Reply(name .. ' failed: ' .. v:exception, true)
  endtry
  return v:null
enddef
