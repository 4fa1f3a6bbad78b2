vim9script
# Editing source buffers: a rewrite shown as a diff and accepted or rejected (one undo step), and
# an answer streamed in at the cursor. The echo upstream answers a message containing UPPERCASE
# with its fenced block upper-cased, in a fence; other messages with "echo: <message>".

g:switchboard_cmd = [$SWITCHBOARD_BIN]
g:switchboard_error_popup = 0
runtime plugin/switchboard.vim

import autoload 'switchboard.vim'
import autoload 'switchboard/conversation.vim'
import autoload 'switchboard/stream.vim'
import './helpers.vim' as t

const ORIGINAL = ['local one = 1', 'local two = 2', 'local three = 3', 'return one']

def Source(lines: list<string>): number
  silent! tabonly
  silent! only
  enew!
  setlocal filetype=lua
  setline(1, lines)
  # a fresh undo history (:help clear-undo): setting the lines above is not what undo undoes
  var undolevels = &undolevels
  &undolevels = -1
  execute "normal! a \<Esc>x"
  &undolevels = undolevels
  &modified = false
  return bufnr()
enddef

def RewriteAndWait(): number
  var buf = Source(ORIGINAL)
  :2,3SwitchboardRewrite UPPERCASE these
  t.Eq(t.WaitDone('rewrite').outcome, 'done', 'outcome')
  t.Eq(tabpagenr('$'), 2, 'the diff tab')
  t.Check(bufname() =~ 'switchboard://rewrite$', 'the proposal window is current: ' .. bufname())
  t.Eq(getline(1, '$'), ['LOCAL TWO = 2', 'LOCAL THREE = 3'], 'the proposal, out of its fence')
  t.Check(&diff, 'the proposal is in diff mode')
  return buf
enddef

def TestAccept()
  var buf = RewriteAndWait()
  var body = t.LastRequest()
  t.Eq(body.messages[0].role, 'system', 'the rewrite instruction')
  t.Eq(body.messages[1].content, join(['UPPERCASE these', '', printf('File: buffer %d (lines 2-3)', buf),
    '```lua', 'local two = 2', 'local three = 3', '```'], "\n"), 'the request')
  t.Feed('ga')
  t.Eq(tabpagenr('$'), 1, 'the diff tab is closed')
  t.Eq(bufnr(), buf, 'back in the source')
  t.Eq(getline(1, '$'), ['local one = 1', 'LOCAL TWO = 2', 'LOCAL THREE = 3', 'return one'], 'accepted')
  silent undo
  t.Eq(getline(1, '$'), ORIGINAL, 'one undo restores the lines')
enddef

def TestReject()
  var buf = RewriteAndWait()
  t.Feed('gr')
  t.Eq(tabpagenr('$'), 1, 'the diff tab is closed')
  t.Eq(getbufline(buf, 1, '$'), ORIGINAL, 'rejected')
  t.Check(!getbufvar(buf, '&modified'), 'the buffer is unmodified')
enddef

def TestEditedAndRefused()
  var buf = RewriteAndWait()
  setline(1, 'local TWO = 2 -- edited')
  t.Feed('ga')
  t.Eq(getbufline(buf, 2)[0], 'local TWO = 2 -- edited', 'the edit')
  buf = RewriteAndWait()
  setbufline(buf, 2, 'changed meanwhile')
  t.Feed('ga')
  t.Eq(tabpagenr('$'), 2, 'the diff stays open')
  t.Check(t.Messages() =~ 'changed since', 'refused: ' .. t.Messages())
  t.Feed('gr')
enddef

# The virtual lines previewing an answer in the current buffer (checked against the text
# properties on screen, one per line).
def Preview(): list<string>
  var shown = values(stream.Previewed(bufnr()))
  var lines: list<string> = empty(shown) ? [] : shown[0]
  var props = 0
  for lnum in range(1, line('$'))
    props += prop_list(lnum)->filter((_, p) => p.type == 'switchboard_preview')->len()
  endfor
  t.Eq(props, len(lines), 'one virtual line per line of the answer')
  return lines
enddef

def TestInsert()
  var buf = Source(['before after'])
  cursor(1, 7) # on the space after "before"
  SwitchboardInsert SLOW say hi
  t.Check(t.WaitFor(() => join(Preview(), '') =~ 'echo'), 'no preview: ' .. string(Preview()))
  t.Eq(getline(1, '$'), ['before after'], 'the buffer is not changed while the answer streams')
  # the user edits meanwhile: before the insertion point, and a new line
  t.Feed("ggIuser \<Esc>")
  &undolevels = &undolevels # two commands of the user's, two undo steps
  t.Feed("Gomore\<Esc>")
  t.Eq(t.WaitDone('insert').outcome, 'done', 'outcome')
  t.Eq(getline(1, '$'), ['user before echo: SLOW say hiafter', 'more'], 'the text, after the cursor character')
  t.Eq(Preview(), [], 'the preview is gone')
  var body = t.LastRequest()
  t.Eq(body.messages[0].role, 'system', 'the insert instruction')
  t.Eq(body.messages[1], {role: 'user', content: 'SLOW say hi'}, 'the prompt')
  silent undo
  t.Eq(getline(1, '$'), ['user before after', 'more'], 'one undo removes the answer, not the user''s edits')
  silent undo
  t.Eq(getline(1, '$'), ['user before after'], 'the next undo is the user''s last edit')
enddef

def TestInsertUnfenced()
  var buf = Source(['local one = 1', 'local two = 2', 'return one'])
  :1,2SwitchboardInsert UPPERCASE
  t.Eq(t.WaitDone('fenced insert').outcome, 'done', 'outcome')
  t.Eq(getbufline(buf, 1, '$'), ['local one = 1', 'local two = 2', 'LOCAL ONE = 1', 'LOCAL TWO = 2', 'return one'], 'the code, unfenced')
  silent undo
  t.Eq(getbufline(buf, 1, '$'), ['local one = 1', 'local two = 2', 'return one'], 'one undo removes it')
  t.Eq(conversation.Unfenced("```py\nx = 1\n```\n"), 'x = 1', 'one block')
  t.Eq(conversation.Unfenced("Here:\n```py\nx\n```"), v:none, 'text around')
  t.Eq(conversation.Unfenced("```\na\n```\n\n```\nb\n```"), v:none, 'two blocks')
enddef

def TestInsertBelowRange()
  var buf = Source(['a = 1', 'b = 2', 'c = 3'])
  :1,2SwitchboardInsert SLOW sum them
  t.Check(t.WaitFor(() => join(Preview(), '') =~ 'echo'), 'nothing streamed')
  t.Eq(prop_list(2)->filter((_, p) => p.type == 'switchboard_preview')->len(), 1, 'previewed below the range')
  t.Check(g:SwitchboardStatusline() =~ '^⟳ switchboard ', 'busy: ' .. g:SwitchboardStatusline())
  t.Check(stridx(t.LastRequest().messages[1].content, "```lua\na = 1\nb = 2\n```") >= 0, 'the range in the request')
  SwitchboardCancel
  t.Eq(t.WaitDone('cancel').outcome, 'cancelled', 'outcome')
  t.Eq(getline(1, '$'), ['a = 1', 'b = 2', 'c = 3'], 'nothing inserted')
  t.Eq(Preview(), [], 'the preview is gone')
  t.Check(t.Messages() =~ 'cancelled: nothing inserted', 'the note: ' .. t.Messages())
  t.Check(!&modified, 'the buffer is unmodified')
enddef

def TestInsertFailed()
  var buf = Source(['x'])
  SwitchboardInsert FAIL401 please
  t.Eq(t.WaitDone('failed insert').outcome, 'error', 'outcome')
  t.Eq(getline(1, '$'), ['x'], 'nothing inserted')
  t.Eq(Preview(), [], 'no preview left')
  t.Check(t.Messages() =~ 'Incorrect API key', 'the error is shown: ' .. t.Messages())
enddef

def TestMaps()
  var buf = Source(ORIGINAL)
  t.Feed("2GVj\\arUPPERCASE these\<CR>")
  t.Eq(t.WaitDone('rewrite by keys').outcome, 'done', 'outcome')
  t.Eq(getline(1, '$'), ['LOCAL TWO = 2', 'LOCAL THREE = 3'], '<Leader>ar: the proposal')
  t.Feed('gr')
  t.Feed("G$\\aisay hi\<CR>")
  t.Eq(t.WaitDone('insert by keys').outcome, 'done', 'outcome')
  t.Eq(getline('$'), 'return oneecho: say hi', '<Leader>ai: after the cursor')
enddef

def TestClosedByHand()
  var buf = RewriteAndWait()
  tabclose
  t.Eq(switchboard.Status().rewrite, false, 'no rewrite on screen')
  SwitchboardAccept
  t.Eq(getbufline(buf, 1, '$'), ORIGINAL, 'the lines are untouched')
  t.Check(t.Messages() =~ 'no rewrite to accept', 'messages: ' .. t.Messages())
  RewriteAndWait()
  t.Feed('gr')
enddef

def TestClosedWhileStreaming()
  Source(ORIGINAL)
  :2,3SwitchboardRewrite SLOW UPPERCASE these
  t.Check(t.WaitFor(() => len(join(getline(1, '$'), '')) > 3), 'the stream did not start')
  tabclose
  t.Eq(t.WaitDone('closed rewrite').outcome, 'cancelled', 'outcome')
  t.Eq(switchboard.Status().rewrite, false, 'no rewrite on screen')
  t.Eq(tabpagenr('$'), 1, 'one tab')
enddef

t.Case('rewrite: the proposal shows as a diff; ga replaces the lines in one undo step', TestAccept)
t.Case('rewrite: gr rejects and leaves the lines as they were', TestReject)
t.Case('rewrite: closing its tab by hand rejects it; a new rewrite is taken, accept has nothing to do', TestClosedByHand)
t.Case('rewrite: closing its tab while it streams cancels the request', TestClosedWhileStreaming)
t.Case('rewrite: an edited proposal is what ga accepts; a changed source is refused', TestEditedAndRefused)
t.Case('insert: the answer previews below the line, then goes in after the cursor as one undo step, user edits kept', TestInsert)
t.Case('insert: an answer that is one fenced block goes in without its fence, in one undo step', TestInsertUnfenced)
t.Case('insert with a range: the lines go along, the preview is below them; cancelled, nothing is inserted', TestInsertBelowRange)
t.Case('insert: a failed answer inserts nothing and is reported', TestInsertFailed)
t.Case('<Leader>ar and <Leader>ai ask for the instruction and the prompt', TestMaps)
t.Finish('edit')
