vim9script
# Chat buffers: typing and sending with the keys, streaming, history (images included), cancel,
# errors, presets and context, save and reopen. The echo upstream answers "echo: <last user
# message>" in 3-character pieces (0.2 s apart with SLOW); FAIL401 gets an HTTP 401.

g:switchboard_cmd = [$SWITCHBOARD_BIN]
g:switchboard_window = 'botright split'
g:switchboard_error_popup = 0
g:switchboard_presets = {terse: {system: 'Be terse.', model: 'gpt-4o'}}
runtime plugin/switchboard.vim

import autoload 'switchboard.vim'
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
  t.Eq(g:SwitchboardStatusline(), '', 'the statusline when idle')
  sleep 600m
  t.Eq(Tail(1), [''], 'nothing arrives after the cancellation')
  TypeAndSend('next', "\<CR>")
  t.WaitDone('after the cancellation')
  var messages = t.LastRequest().messages
  t.Eq(messages[-2], {role: 'assistant', content: partial}, 'the partial answer, without the note')
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

t.Case('<CR> sends the multi-line input; the answer streams in order, then a new ## You waits', TestSend)
t.Case('<C-s> in Insert mode sends the follow-up with the whole conversation', TestFollowUp)
t.Case('<C-c> cancels: the text so far, then [cancelled]; the busy note shows the key meanwhile', TestCancel)
t.Case('an upstream error is noted in the chat and reported; the failed question is not sent again', TestError)
t.Case('an image stays in the history: the follow-up still sends it', TestImage)
t.Case(':SwitchboardNew with a preset writes its system prompt and uses its model', TestPreset)
t.Case('context: a range, a whole buffer and a file go into the input, then to the upstream', TestContext)
t.Case(':SwitchboardSave writes Markdown; :SwitchboardOpen continues the saved conversation', TestSaveAndOpen)
t.Finish('chat')
