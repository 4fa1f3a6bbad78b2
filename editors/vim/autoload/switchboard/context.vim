vim9script
# Context for the chat input, as fenced blocks under a title line: a range of lines, a whole
# buffer, a file or a loaded buffer by name.

import autoload 'switchboard/conversation.vim'

def DisplayName(buf: number): string
  var name = bufname(buf)
  return name == '' ? 'buffer ' .. buf : fnamemodify(name, ':~:.')
enddef

# Lines `line1`..`line2` of `buf`.
export def Lines(buf: number, line1: number, line2: number): list<string>
  var title = printf('File: %s (lines %d-%d)', DisplayName(buf), line1, line2)
  return conversation.Fenced(title, join(getbufline(buf, line1, line2), "\n"), getbufvar(buf, '&filetype'))
enddef

# The whole of `buf`.
export def Buffer(buf: number): list<string>
  return conversation.Fenced('File: ' .. DisplayName(buf), join(getbufline(buf, 1, '$'), "\n"), getbufvar(buf, '&filetype'))
enddef

# Whether the file at `path` is binary: a NUL byte in its first 8000 bytes.
export def IsBinary(path: string): bool
  var head: any = readfile(path, 'B', 8000) # a blob (readfile() is typed as giving a list)
  return index(head, 0) >= 0
enddef

# The loaded buffer named `name`, else the file at `name`; [] when there is neither.
export def Named(name: string): list<string>
  var buf = bufnr(name)
  if buf != -1 && bufloaded(buf)
    return Buffer(buf)
  endif
  var file = expand(name)
  if !filereadable(file)
    return []
  endif
  return conversation.Fenced('File: ' .. fnamemodify(file, ':~:.'), join(readfile(file), "\n"), fnamemodify(file, ':e'))
enddef
