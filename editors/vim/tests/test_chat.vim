vim9script
# Chat buffers: typing and sending with the keys, streaming, history (images included), cancel,
# errors, presets and context, save and reopen. The echo upstream answers "echo: <last user
# message>" in 3-character pieces (0.2 s apart with SLOW); FAIL401 gets an HTTP 401.
# (g:switchboard_store off: these cases test the buffer as the history the plugin sends)

g:switchboard_cmd = [$SWITCHBOARD_BIN]
g:switchboard_window = 'botright split'
g:switchboard_error_popup = 0
g:switchboard_presets = {terse: {system: 'Be terse.', model: 'gpt-4o'}}
g:switchboard_autosave_dir = tempname()
g:switchboard_store = 0
runtime plugin/switchboard.vim

import autoload 'switchboard.vim'
import autoload 'switchboard/chat.vim'
import autoload 'switchboard/conversation.vim'
import './helpers.vim' as t

# Types `text` as the input of the chat in the current window and sends it with `keys`.
def TypeAndSend(text: string, keys: string)
  normal! G
  setline('$', split(text, "\n"))
  t.Feed(keys)
enddef

def Tail(n: number): list<string>
  return getline(line('$') - n + 1, '$')
enddef

var states: list<string> = []

def TestSend()
  switchboard.Chat()
  t.Eq(getline(1, '$'), ['## You', ''], 'a new chat')
  augroup switchboard_test
    autocmd!
    autocmd User SwitchboardDelta states->add(getline(6))
  augroup END
  TypeAndSend("first line\nsecond line", "\<CR>")
  t.Eq(t.WaitDone('send').outcome, 'done', 'outcome')
  autocmd! switchboard_test
  t.Eq(getline(1, '$'), ['## You', 'first line', 'second line', '', '## Assistant', 'echo: first line',
    'second line', '', '## You', ''], 'the chat')
  t.Check(len(states) >= 6, 'streamed states: ' .. string(states))
  for i in range(1, len(states) - 1)
    t.Check(stridx(states[i], states[i - 1]) == 0, 'out of order: ' .. string(states))
  endfor
  t.Eq(line('.'), line('$'), 'the cursor waits in the new input')
  t.Eq(t.LastRequest().messages, [{role: 'user', content: "first line\nsecond line"}], 'the request')
enddef

def TestAutosave()
  var path = getbufvar(bufnr(), 'switchboard_autosave', '')
  t.Check(stridx(path, g:switchboard_autosave_dir .. '/chat-') == 0, path)
  t.Eq(readfile(path), getline(1, '$'), 'the file holds the chat')
enddef

def TestFollowUp()
  TypeAndSend('and then?', "A\<C-s>")
  t.WaitDone('follow-up')
  t.Eq(t.LastRequest().messages, [
    {role: 'user', content: "first line\nsecond line"},
    {role: 'assistant', content: "echo: first line\nsecond line"},
    {role: 'user', content: 'and then?'}], 'the history')
  t.Eq(Tail(4), ['echo: and then?', '', '## You', ''], 'the end of the chat')
enddef

def TestCancel()
  var full = 'echo: SLOW count slowly please'
  TypeAndSend('SLOW count slowly please', "\<CR>")
  t.Check(t.WaitFor(() => len(getline('$')) >= 9), 'the slow stream did not start')
  t.Eq(g:SwitchboardStatusline(), '⟳ switchboard <C-c>', 'the statusline component')
  var notes = prop_list(line('$'))->filter((_, p) => p.type == 'switchboard_note')
  t.Eq(len(notes), 1, 'the busy note')
  t.Feed("\<C-c>")
  t.Eq(t.WaitDone('cancel').outcome, 'cancelled', 'outcome')
  var partial = Tail(5)[0]
  t.Check(stridx(full, partial) == 0 && len(partial) < len(full), 'partial answer: ' .. partial)
  t.Eq(Tail(4), ['[cancelled]', '', '## You', ''], 'the end of the chat')
  t.Eq(line('.'), line('$'), 'the cursor left the answer for the new input')
  t.Eq(g:SwitchboardStatusline(), '', 'the statusline when idle')
  sleep 600m
  t.Eq(Tail(1), [''], 'nothing arrives after the cancellation')
  TypeAndSend('next', "\<CR>")
  t.WaitDone('after the cancellation')
  var messages = t.LastRequest().messages
  t.Eq(messages[-2], {role: 'assistant', content: partial}, 'the partial answer, without the note')
enddef

def TestCancelInFence()
  TypeAndSend("SLOW\n```python\nx = 1\ny = 2\n```", "\<CR>")
  t.Check(t.WaitFor(() => getline('$') =~ '^x'), 'the stream did not reach the code')
  t.Feed("\<C-c>")
  t.Eq(t.WaitDone('cancel in a fence').outcome, 'cancelled', 'outcome')
  t.Eq(Tail(6)[1 :], ['```', '[cancelled]', '', '## You', ''], 'the end of the chat')
  t.Eq(line('.'), line('$'), 'the cursor waits in the new input')
  TypeAndSend('and after it?', "\<CR>")
  t.Eq(t.WaitDone('after the cancel in a fence').outcome, 'done', 'the next send')
  var messages = t.LastRequest().messages
  t.Eq(messages[-1], {role: 'user', content: 'and after it?'}, 'the question after the cancelled code')
  t.Check(messages[-2].content =~ "```python\n[^`]*```$", 'the partial answer, its fence closed: ' .. messages[-2].content)
enddef

def TestCutAndFailedInFence()
  SwitchboardChat
  var buf = bufnr()
  var Answer = (outcome: dict<any>, text: string): list<string> => {
    deletebufline(buf, 1, '$')
    setbufline(buf, 1, ['## You', 'q', '', '## Assistant'] + split(text, "\n", true))
    outcome.text = text
    chat.EndAnswer(buf, outcome, len(getbufline(buf, 1, '$')))
    return getbufline(buf, 5, '$')
  }
  t.Eq(Answer({outcome: 'done', result: {choices: [{finish_reason: 'length'}]}}, "```sh\necho one"),
    ['```sh', 'echo one', '```', '[cut off]', '', '## You', ''], 'cut off')
  t.Eq(Answer({outcome: 'error', error: {code: -32603, message: "the upstream\nclosed"}}, "text\n```\ncode\n"),
    ['text', '```', 'code', '```', '[error -32603: the upstream closed]', '', '## You', ''], 'failed')
  t.Eq(Answer({outcome: 'error', error: {message: 'cannot start the daemon'}}, ''),
    ['[error: cannot start the daemon]', '', '## You', ''], 'failed before the daemon started')
  t.Eq(Answer({outcome: 'done', result: {choices: [{finish_reason: 'stop'}]}}, "done\n"),
    ['done', '', '## You', ''], 'a finished answer')
enddef

def TestSaveRefuses()
  var path = tempname() .. '.md'
  writefile(['precious'], path)
  SwitchboardChat
  var chat_buf = bufnr()
  execute 'SwitchboardSave ' .. path
  t.Eq(readfile(path), ['precious'], 'the file is untouched')
  t.Check(t.Messages() =~ 'exists: :SwitchboardSave! overwrites it', 'messages: ' .. t.Messages())
  t.Eq(bufnr(), chat_buf, 'the chat stays')
  execute 'SwitchboardSave ' .. tempname() .. '/no/such/chat.md'
  t.Check(t.Messages() =~ 'no folder', 'messages: ' .. t.Messages())
  var before = getline(1, '$')
  execute 'SwitchboardSave! ' .. path
  t.Eq(readfile(path), before, '! overwrites')
enddef

def TestError()
  TypeAndSend('FAIL401 please', "\<CR>")
  t.Eq(t.WaitDone('401').outcome, 'error', 'outcome')
  t.Check(Tail(4)[0] =~ '^\[error -32001: upstream HTTP 401: Incorrect API key provided', 'note: ' .. Tail(4)[0])
  t.Check(t.Messages() =~ 'switchboard: upstream HTTP 401', 'messages: ' .. t.Messages())
  t.Check(stridx(t.Messages(), t.key) == -1, 'the key is in the messages')
  TypeAndSend('still there?', "\<CR>")
  t.WaitDone('after the error')
  t.Check(string(t.LastRequest()) !~ 'FAIL401', 'the failed question was sent again')
enddef

def TestRetry()
  TypeAndSend('FAIL401 then fine', "\<CR>")
  t.Eq(t.WaitDone('to retry').outcome, 'error', 'outcome')
  var before = len(t.ChatRequests())
  var question = Tail(7)
  SwitchboardRetry
  t.Eq(t.WaitDone('retried').outcome, 'error', 'the retry (the echo upstream fails it again)')
  t.Eq(len(t.ChatRequests()), before + 1, 'sent again')
  t.Eq(t.LastRequest().messages[-1].content, 'FAIL401 then fine', 'the same question')
  t.Eq(Tail(7), question, 'one answer, the new one')
  t.Eq(len(filter(getline(1, '$'), (_, l) => l =~ '^\[error')), 2, 'the old error is gone')
enddef

def TestImage()
  execute 'SwitchboardImage ' .. fnameescape($SWITCHBOARD_TEST_PNG)
  TypeAndSend('What is in it?', "\<CR>")
  t.WaitDone('image')
  t.Eq(Tail(4)[0], 'echo: What is in it? [1 image]', 'the answer saw the image')
  TypeAndSend('And its colour?', "\<CR>")
  t.WaitDone('image follow-up')
  var with_image = t.LastRequest().messages->filter((_, m) => type(m.content) == v:t_list)
  t.Eq(len(with_image), 1, 'messages with an image in the follow-up')
  t.Eq(with_image[0].content[0], {type: 'text', text: 'What is in it?'}, 'its text')
  t.Check(with_image[0].content[1].image_url.url =~ '^data:image/png;base64,', 'the image, inlined by the daemon')
enddef

def TestPreset()
  SwitchboardNew terse
  t.Eq(getline(1, '$'), ['## System', 'Be terse.', '', '## You', ''], 'the new chat')
  TypeAndSend('hi', "\<CR>")
  t.WaitDone('preset')
  var body = t.LastRequest()
  t.Eq(body.messages, [{role: 'system', content: 'Be terse.'}, {role: 'user', content: 'hi'}], 'messages')
  t.Eq(body.model, 'gpt-4o', 'the preset model')
  var preset_chat = bufnr()
  SwitchboardNew
  t.Check(bufnr() != preset_chat, ':SwitchboardNew without a preset opens a new chat too')
  t.Eq(getline(1, '$'), ['## You', ''], 'an empty chat')
  execute 'buffer ' .. preset_chat
enddef

def TestContext()
  var file = tempname() .. '.py'
  writefile(['print("from a file")'], file)
  wincmd p
  enew
  setlocal filetype=lua
  setline(1, ['local a = 1', 'local b = 2', 'return a + b'])
  :2,3SwitchboardAdd
  SwitchboardAdd
  execute 'SwitchboardAdd ' .. file
  SwitchboardSend
  t.WaitDone('context')
  var name = 'buffer ' .. bufnr()
  t.Eq(t.LastRequest().messages[-1].content, join([
    printf('File: %s (lines 2-3)', name), '```lua', 'local b = 2', 'return a + b', '```',
    'File: ' .. name, '```lua', 'local a = 1', 'local b = 2', 'return a + b', '```',
    'File: ' .. fnamemodify(file, ':~:.'), '```py', 'print("from a file")', '```'], "\n"), 'the context')
enddef

def TestSaveAndOpen()
  var path = tempname() .. '.md'
  SwitchboardChat
  var before = getline(1, '$')
  execute 'SwitchboardSave ' .. path
  t.Eq(readfile(path), before, 'the file')
  t.Eq(expand('%:p'), path, 'the chat is the file now')
  bwipeout!
  execute 'SwitchboardOpen ' .. path
  TypeAndSend('continue', "\<CR>")
  t.WaitDone('reopened')
  var messages = t.LastRequest().messages
  var saved = conversation.Messages(before, getcwd())
  t.Eq(messages[: len(saved) - 1], saved, 'the history from the file')
  t.Eq(messages[len(saved)], {role: 'user', content: 'continue'}, 'the new question')
  silent write
  t.Eq(readfile(path)[-4], 'echo: continue', ':w saves the answer')
enddef

def TestUndoAndClose()
  var buf = chat.New()
  execute 'buffer ' .. buf
  setline('$', 'undo me')
  &g:undolevels = &g:undolevels # an undo break, as typing makes (:help undo-break)
  t.Feed("\<CR>")
  t.WaitDone('to undo')
  t.Check(len(getline(1, '$')) > 4, 'answered')
  silent undo
  t.Eq(getline(1, '$'), ['## You', 'undo me'], 'one undo step')
  TypeAndSend('SLOW the chat closes', "\<CR>")
  t.Check(t.WaitFor(() => getbufline(buf, 5)->get(0, '') =~ '^echo'), 'the stream did not start')
  execute 'bwipeout! ' .. buf
  t.Eq(t.WaitDone('closed chat').outcome, 'cancelled', 'the answer was cancelled')
enddef

def TestInsertCtrlCAndBinary()
  SwitchboardChat
  t.Eq(maparg('<C-c>', 'i'), '', 'Insert-mode <C-c>')
  t.Check(maparg('<C-c>', 'n') != '', 'Normal-mode <C-c> cancels')
  var file = tempname() .. '.bin'
  writefile(0z454C4600010262696E, file)
  var before = getline(1, '$')
  execute 'SwitchboardAdd ' .. file
  t.Eq(getline(1, '$'), before, 'nothing pasted')
  t.Check(t.Messages() =~ 'binary file', 'messages: ' .. t.Messages())
enddef

t.Case('<CR> sends the multi-line input; the answer streams in order, then a new ## You waits', TestSend)
t.Case('a new chat is saved after each answer (g:switchboard_autosave_dir)', TestAutosave)
t.Case('<C-s> in Insert mode sends the follow-up with the whole conversation', TestFollowUp)
t.Case('<C-c> cancels: the text so far, then [cancelled]; the busy note shows the key meanwhile', TestCancel)
t.Case('a cancel inside a code block closes the fence before [cancelled]; the chat goes on', TestCancelInFence)
t.Case('an answer cut by the token limit or failing inside a code block is closed and noted', TestCutAndFailedInFence)
t.Case('an upstream error is noted in the chat and reported; the failed question is not sent again', TestError)
t.Case(':SwitchboardRetry asks a failed question again, its error removed', TestRetry)
t.Case('an image stays in the history: the follow-up still sends it', TestImage)
t.Case(':SwitchboardNew with a preset writes its system prompt and uses its model; without one, a new empty chat', TestPreset)
t.Case('context: a range, a whole buffer and a file go into the input, then to the upstream', TestContext)
t.Case(':SwitchboardSave writes Markdown; :SwitchboardOpen continues the saved conversation', TestSaveAndOpen)
t.Case(':SwitchboardSave refuses to overwrite a file (! overwrites) and names a missing folder', TestSaveRefuses)
t.Case('in Insert mode <C-c> is not mapped (it leaves Insert mode); add file refuses binary files', TestInsertCtrlCAndBinary)
t.Case('one u undoes a whole answer; closing a chat while it answers cancels the answer', TestUndoAndClose)
t.Finish('chat')
