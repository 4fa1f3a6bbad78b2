vim9script
# A conversation written as Markdown (the format every Switchboard editor client shares, see
# editors/README.md): blocks under the headings "## System", "## You" and "## Assistant";
# headings inside fenced code are text; a "## You" line `![...](path or URL)` attaches an image.
# Pure functions over lists of lines, so that a chat buffer and a saved .md file read alike.

const HEADINGS = {'## System': 'system', '## You': 'user', '## Assistant': 'assistant'}
export const CANCELLED = '[cancelled]'
export const CUT_OFF = '[cut off]'

def Trimmed(lines: list<string>): list<string>
  var first = 0
  var last = len(lines) - 1
  while first <= last && lines[first] =~ '^\s*$'
    first += 1
  endwhile
  while last >= first && lines[last] =~ '^\s*$'
    last -= 1
  endwhile
  return first > last ? [] : lines[first : last]
enddef

# Whether `line` is a note that ends an answer: [cancelled], [cut off] or [error ...].
export def IsNote(line: string): bool
  var note = trim(line)
  return note == CANCELLED || note == CUT_OFF || note =~ '^\[error[ :].*\]$'
enddef

# The fence open after `line` when `fence` was open before it ('': none).
def FenceAfter(fence: string, line: string): string
  var ticks = matchstr(line, '^\s*\zs```\+')
  if ticks != '' && fence == ''
    return ticks
  elseif fence != '' && line =~ '^\s*' .. fence .. '`*\s*$'
    return ''
  endif
  return fence
enddef

# The fence `lines` leave open (as "```"), or '' when every fence is closed.
export def OpenFence(lines: list<string>): string
  var fence = ''
  for line in lines
    fence = FenceAfter(fence, line)
  endfor
  return fence
enddef

# Whether the first line after index `index` that is not blank is a heading (or there is none).
def HeadingFollows(lines: list<string>, index: number): bool
  for line in lines[index + 1 :]
    if line !~ '^\s*$'
      return has_key(HEADINGS, trim(line))
    endif
  endfor
  return true
enddef

# The blocks of `lines`: a list of {role, lines, first} (`first`: the heading's line number).
# Text before the first heading belongs to no block. A note ending an answer, followed by a
# heading, closes a fence the answer left open (chats written before answers closed theirs).
# Tool call records in an answer (outside fences: "> [tool] NAME … STATUS" and the lines after it
# that start with ">" and two spaces) are not part of its text.
export def Blocks(lines: list<string>): list<dict<any>>
  var blocks: list<dict<any>> = []
  var fence = ''
  var number = 0
  var record = false
  for line in lines
    number += 1
    var heading = trim(line)
    if fence == '' && has_key(HEADINGS, heading)
      blocks->add({role: HEADINGS[heading], lines: [], first: number})
      record = false
      continue
    endif
    var answering = fence == '' && !empty(blocks) && blocks[-1].role == 'assistant'
    record = answering && (line =~ '^> \[tool\] ' || (record && line =~ '^>  '))
    if record
      continue
    endif
    if fence != '' && !empty(blocks) && blocks[-1].role == 'assistant' && IsNote(line) && HeadingFollows(lines, number - 1)
      fence = ''
    else
      fence = FenceAfter(fence, line)
    endif
    if !empty(blocks)
      blocks[-1].lines->add(line)
    endif
  endfor
  return blocks
enddef

# `target` as the daemon takes it: URLs as they are, paths made absolute against `base_dir`.
export def ImageUrl(target: string, base_dir: string): string
  if target =~ '^\a[[:alnum:]+.-]*:'
    return target
  endif
  var path = expand(target)
  if path !~ '^/'
    path = base_dir .. '/' .. path
  endif
  return fnamemodify(path, ':p')
enddef

def UserContent(lines: list<string>, base_dir: string): any
  var text: list<string> = []
  var images: list<dict<any>> = []
  for line in lines
    var image = matchstr(line, '^\s*!\[[^\]]*\](\zs.\+\ze)\s*$')
    if image != ''
      images->add({type: 'image_url', image_url: {url: ImageUrl(image, base_dir)}})
    else
      text->add(line)
    endif
  endfor
  var joined = join(Trimmed(text), "\n")
  return empty(images) ? joined : [{type: 'text', text: joined}] + images
enddef

# The chat messages of `lines`. Relative image paths are resolved against `base_dir`. An answer's
# closing note ([cancelled], [cut off], [error ...]) is left out (the partial text stays); an
# answer that is only an error is left out with the question it failed to answer; empty blocks too.
export def Messages(lines: list<string>, base_dir: string): list<dict<any>>
  var messages: list<dict<any>> = []
  for block in Blocks(lines)
    var body = Trimmed(block.lines)
    var failed = false
    if block.role == 'assistant' && !empty(body) && IsNote(body[-1])
      failed = trim(body[-1]) =~ '^\[error'
      body = Trimmed(body[: -2])
    endif
    var text = join(body, "\n")
    if block.role == 'assistant' && (text =~ '^\[error' || (failed && text == ''))
      if !empty(messages) && messages[-1].role == 'user'
        remove(messages, -1)
      endif
    elseif text != ''
      messages->add({role: block.role, content: block.role == 'user' ? UserContent(body, base_dir) : text})
    endif
  endfor
  return messages
enddef

export def HasImage(messages: list<dict<any>>): bool
  return !empty(filter(copy(messages), (_, m) => type(m.content) == v:t_list))
enddef

# The last block when it is a "## You" block with text (the message to send), else {}.
export def Pending(lines: list<string>): dict<any>
  var blocks = Blocks(lines)
  if !empty(blocks) && blocks[-1].role == 'user' && !empty(Trimmed(blocks[-1].lines))
    return blocks[-1]
  endif
  return {}
enddef

# The lines of a new conversation: an optional system prompt, then an empty "## You" block.
export def New(system: string): list<string>
  var lines = system == '' ? [] : ['## System'] + split(system, "\n", true) + ['']
  return lines + ['## You', '']
enddef

# `text` as a fenced block under a title line (a fence longer than any run of backticks inside).
export def Fenced(title: string, text: string, filetype: string = ''): list<string>
  var longest = 2
  for run in split(text, '[^`]\+')
    longest = max([longest, len(run)])
  endfor
  var fence = repeat('`', longest + 1)
  return [title, fence .. filetype] + split(text, "\n", true) + [fence]
enddef

# The inside of `text` when the whole of it (trailing blanks aside) is one fenced block, else
# v:none: an answer inserted at the cursor keeps no fence a model added although asked not to.
export def Unfenced(text: string): any
  var lines = split(substitute(text, '\_s\+$', '', ''), "\n", true)
  var fence = matchstr(get(lines, 0, ''), '^\zs```\+\ze[[:alnum:]_+.#-]*\s*$')
  if fence == '' || len(lines) < 2 || lines[-1] !~ '^' .. fence .. '\s*$'
    return v:none
  endif
  var inside = lines[1 : -2]
  if !empty(filter(copy(inside), (_, line) => line =~ '^\s*' .. fence .. '`*\s*$'))
    return v:none # more than one block
  endif
  return join(inside, "\n")
enddef

# The code of a model's answer: the content of its first fenced block, or the whole answer
# (trimmed) when it has none, as lines.
export def CodeOf(text: string): list<string>
  var lines = split(text, "\n", true)
  var fence = ''
  var first = 0
  var number = 0
  for line in lines
    if fence == ''
      fence = matchstr(line, '^\s*\zs```\+')
      first = number
    elseif line =~ '^\s*' .. fence .. '`*\s*$'
      return lines[first + 1 : number - 1]
    endif
    number += 1
  endfor
  return Trimmed(lines)
enddef
