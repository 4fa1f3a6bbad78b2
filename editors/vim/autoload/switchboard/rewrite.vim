vim9script
# Rewrite a range of lines: the instruction and the lines go to the model, its rewrite streams into
# a new tab page that shows the original and the proposal side by side in diff mode; accepting
# replaces the lines in one undo step, rejecting (or closing the tab) leaves them as they were.
# The proposal can be edited before it is accepted. An edit the model proposes (the propose_edit
# tool) is shown the same way, its proposal already complete; the user's decision is its answer.

import autoload 'switchboard/context.vim'
import autoload 'switchboard/conversation.vim'
import autoload 'switchboard/options.vim'
import autoload 'switchboard/stream.vim'

# the rewrite on screen: {buf, win, line1, line2, original, tab, proposal, Decided?}; empty when
# none (Decided(accepted): a proposed edit's answer)
var session: dict<any> = {}

# Tells the proposer of `closing` (a proposed edit) whether it was accepted, once.
def Decide(closing: dict<any>, accepted: bool)
  if has_key(closing, 'Decided')
    var Decided = remove(closing, 'Decided')
    Decided(accepted)
  endif
enddef

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
    Decide(current, false)
  endif
enddef

def Close()
  var closing = session
  session = {}
  if empty(closing)
    return
  endif
  Decide(closing, false)
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

def Busy(): string
  return empty(session) ? '' : 'a rewrite is on screen: accept (' .. options.Get('diff_keys').accept .. ') or reject it first'
enddef

# Opens the diff tab of a rewrite of lines `line1`..`line2` of `buf`, `proposal` on the right,
# and makes it the session.
def Open(buf: number, line1: number, line2: number, proposal: list<string>)
  var original = getbufline(buf, line1, line2)
  session = {buf: buf, win: win_getid(), line1: line1, line2: line2, original: original}
  var filetype = getbufvar(buf, '&filetype')
  tabnew
  session.original_buf = Scratch('switchboard://original', original, filetype)
  rightbelow vnew
  session.proposal = Scratch('switchboard://rewrite', proposal, filetype)
enddef

# Shows the edit replacing lines `line1`..`line2` of `buf` with `lines` (line2 = line1 - 1:
# inserted before line1) as a rewrite to accept or reject; Decided(accepted) gets the user's
# decision. Returns [Stop, ''] (Stop() closes the diff without a decision), or [v:null, why]
# when a rewrite is already on screen.
export def Propose(buf: number, line1: number, line2: number, lines: list<string>, Decided: func): list<any>
  if Busy() != ''
    return [v:null, Busy()]
  endif
  Open(buf, line1, line2, lines)
  session.Decided = Decided
  var proposed = session
  options.Info(printf('edit proposed: %s accepts, %s rejects', options.Get('diff_keys').accept, options.Get('diff_keys').reject))
  return [() => Withdraw(proposed), '']
enddef

# Closes the diff of `proposed` (when still on screen) without telling its proposer.
def Withdraw(proposed: dict<any>)
  if has_key(proposed, 'Decided')
    remove(proposed, 'Decided')
  endif
  if session is proposed
    Close()
  endif
enddef

# Asks for a rewrite of lines `line1`..`line2` of the current buffer per `instruction`.
export def Start(line1: number, line2: number, instruction: string)
  if Busy() != ''
    options.Warn(Busy())
    return
  endif
  var buf = bufnr()
  var user = join([instruction, ''] + context.Lines(buf, line1, line2), "\n")
  Open(buf, line1, line2, [])
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
  var Decided = has_key(s, 'Decided') ? remove(s, 'Decided') : v:null
  Close()
  Replace(s.buf, s.line1, s.line2, proposal)
  if type(Decided) == v:t_func
    Decided(true)
  endif
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
