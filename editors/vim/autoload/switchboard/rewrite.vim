vim9script
# Rewrite a range of lines: the instruction and the lines go to the model, its rewrite streams into
# a new tab page that shows the original and the proposal side by side in diff mode; accepting
# replaces the lines in one undo step, rejecting (or closing the tab) leaves them as they were.
# The proposal can be edited before it is accepted.

import autoload 'switchboard/context.vim'
import autoload 'switchboard/conversation.vim'
import autoload 'switchboard/options.vim'
import autoload 'switchboard/stream.vim'

# the rewrite on screen: {buf, win, line1, line2, original, tab, proposal}; empty when none
var session: dict<any> = {}

def Scratch(name: string, lines: list<string>, filetype: string): number
  setlocal buftype=nofile bufhidden=wipe noswapfile
  execute 'silent file ' .. fnameescape(name)
  setline(1, lines)
  &l:filetype = filetype
  diffthis
  var keys = options.Get('diff_keys')
  execute 'nnoremap <buffer> <silent> ' .. keys.accept .. ' <ScriptCmd>Accept()<CR>'
  execute 'nnoremap <buffer> <silent> ' .. keys.reject .. ' <ScriptCmd>Reject()<CR>'
  nnoremap <buffer> <silent> q <ScriptCmd>Reject()<CR>
  # closing the tab by hand (:tabclose, :q) wipes the buffer: that is a rejection
  autocmd BufWipeout <buffer> ++once Forget(str2nr(expand('<abuf>')))
  return bufnr()
enddef

# Forgets the rewrite on screen when `buf` is one of its buffers (wiped when its tab was closed
# by hand), cancelling the proposal if it still streams.
def Forget(buf: number)
  var current = session
  if !empty(current) && (buf == get(current, 'proposal', -1) || buf == get(current, 'original_buf', -1))
    session = {}
    if has_key(current, 'proposal')
      stream.Cancel(current.proposal)
    endif
  endif
enddef

def Close()
  var closing = session
  session = {}
  if empty(closing)
    return
  endif
  var tab = win_id2tabwin(get(win_findbuf(closing.proposal), 0, 0))[0]
  if tab > 0 && tabpagenr('$') > 1
    execute 'tabclose ' .. tab
  endif
  win_gotoid(closing.win)
enddef

def Ended(started: dict<any>, outcome: dict<any>, job: dict<any>)
  if session isnot started || !bufexists(started.proposal)
    return
  endif
  if outcome.outcome != 'done'
    Close() # cancelled, or failed (the error has been reported)
    return
  endif
  deletebufline(started.proposal, 1, '$')
  setbufline(started.proposal, 1, conversation.CodeOf(outcome.text))
  win_execute(win_findbuf(started.proposal)[0], 'diffupdate')
  var keys = options.Get('diff_keys')
  options.Info(printf('rewrite ready: %s accepts, %s rejects', keys.accept, keys.reject))
enddef

# Asks for a rewrite of lines `line1`..`line2` of the current buffer per `instruction`.
export def Start(line1: number, line2: number, instruction: string)
  if !empty(session)
    options.Warn('a rewrite is on screen: accept (' .. options.Get('diff_keys').accept .. ') or reject it first')
    return
  endif
  var buf = bufnr()
  var original = getline(line1, line2)
  var user = join([instruction, ''] + context.Lines(buf, line1, line2), "\n")
  session = {buf: buf, win: win_getid(), line1: line1, line2: line2, original: original}
  var filetype = &filetype
  tabnew
  session.original_buf = Scratch('switchboard://original', original, filetype)
  rightbelow vnew
  session.proposal = Scratch('switchboard://rewrite', [], filetype)
  var started = session
  stream.Start({messages: [{role: 'system', content: options.Get('rewrite_prompt')}, {role: 'user', content: user}]},
    {buf: session.proposal, lnum: 1, col: 1, cancel_hint: options.Get('diff_keys').reject,
     OnEnd: (outcome, job) => Ended(started, outcome, job)})
enddef

# Replaces the original lines with the proposal (as it is now, edits included), in one undo step.
export def Accept()
  if empty(session)
    options.Warn('no rewrite to accept')
    return
  endif
  if stream.Busy(session.proposal)
    options.Warn('the rewrite is still streaming')
    return
  endif
  var s = session
  if !bufexists(s.proposal)
    session = {}
    options.Warn('no rewrite to accept: its tab was closed')
    return
  endif
  if !bufloaded(s.buf) || getbufline(s.buf, s.line1, s.line2) != s.original
    options.Error('the lines changed since the rewrite was asked for; not applied')
    return
  endif
  var proposal = getbufline(s.proposal, 1, '$')
  Close()
  Replace(s.buf, s.line1, s.line2, proposal)
enddef

# Replaces lines `line1`..`line2` of `buf` with `lines` (changes made by one call are one undo step).
def Replace(buf: number, line1: number, line2: number, lines: list<string>)
  var kept = min([line2 - line1 + 1, len(lines)])
  if kept > 0
    setbufline(buf, line1, lines[: kept - 1])
  endif
  if len(lines) > kept
    appendbufline(buf, line1 + kept - 1, lines[kept :])
  elseif line1 + kept <= line2
    deletebufline(buf, line1 + kept, line2)
  endif
enddef

# Drops the proposal (cancelling it while it streams) and closes the diff.
export def Reject()
  if !empty(session) && stream.Cancel(session.proposal) == 0
    Close()
  endif
enddef

export def Active(): bool
  return !empty(session)
enddef
