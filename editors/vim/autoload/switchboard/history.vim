vim9script
# The daemon's conversation store as history: :SwitchboardHistory picks among conversations.list
# (a popup menu, else inputlist()), and a stored conversation (from this editor, another one, a
# script or ACP) opens as a chat buffer that goes on in the same conversation.

import autoload 'switchboard/chat.vim'
import autoload 'switchboard/daemon.vim'
import autoload 'switchboard/options.vim'
import autoload 'switchboard/conversation.vim'
import autoload 'switchboard/stream.vim'

const HEADINGS = {system: '## System', user: '## You', assistant: '## Assistant'}

# Choose(labels, Picked): shows `labels` and calls Picked(index) with the one picked (-1: none).
var Choose: func = (labels, Picked) => 0

# The text of a stored message's content: a string, or parts (text joined, images as lines that
# attach them).
def ContentLines(content: any): list<string>
  if type(content) == v:t_string
    return split(content, "\n", true)
  endif
  var lines: list<string> = []
  for part in type(content) == v:t_list ? content : []
    if type(part) != v:t_dict
      continue
    elseif get(part, 'type', '') == 'text' && type(get(part, 'text', v:null)) == v:t_string
      lines += split(part.text, "\n", true)
    elseif get(part, 'type', '') == 'image_url' && type(get(part, 'image_url', v:null)) == v:t_dict
      lines->add(printf('![image](%s)', get(part.image_url, 'url', '')))
    endif
  endfor
  return lines
enddef

# The records of the tool calls of stored assistant `message`, with their results from `results`
# (tool call id -> the tool message's content).
def CallRecords(message: dict<any>, results: dict<any>): list<string>
  var lines: list<string> = []
  var calls = get(message, 'tool_calls', [])
  for call in type(calls) == v:t_list ? calls : []
    var fn = get(call, 'function', {})
    var arguments: any = get(fn, 'arguments', '')
    try
      arguments = json_decode(arguments)
    catch
    endtry
    var record: dict<any> = {name: get(fn, 'name', '?'), status: 'called', arguments: arguments}
    var id = get(call, 'id', '')
    if type(id) == v:t_string && has_key(results, id)
      var result = results[id]
      record.result = type(result) == v:t_string ? result : join(ContentLines(result), "\n")
    endif
    lines += stream.ToolRecord(record)
  endfor
  return lines
enddef

# The results of the calls of `messages[index]`: the tool messages right after it (tool call id
# -> content; ids can repeat from one turn to the next).
def FollowingResults(messages: list<any>, index: number): dict<any>
  var results: dict<any> = {}
  for answer in messages[index + 1 :]
    if get(answer, 'role', '') != 'tool'
      break
    elseif type(get(answer, 'tool_call_id', v:null)) == v:t_string
      results[answer.tool_call_id] = get(answer, 'content', '')
    endif
  endfor
  return results
enddef

# The chat lines of stored `messages` (conversations.get's): one "## Assistant" block per run,
# its tool calls as records (with their results), a cancelled answer ending with [cancelled];
# then an empty "## You" block to go on in.
export def Render(messages: list<any>): list<string>
  var lines: list<string> = []
  var role = ''
  for index in range(len(messages))
    var message = messages[index]
    var new_role = get(message, 'role', '')
    if !has_key(HEADINGS, new_role)
      continue
    endif
    if role != new_role
      if !empty(lines)
        lines->add('')
      endif
      lines->add(HEADINGS[new_role])
      role = new_role
    endif
    var text = ContentLines(get(message, 'content', ''))
    lines += text == [''] ? [] : text
    if new_role == 'assistant'
      lines += CallRecords(message, FollowingResults(messages, index))
    endif
    if get(message, 'status', '') == 'cancelled'
      var fence = conversation.OpenFence(text)
      if fence != ''
        lines->add(fence)
      endif
      lines->add(conversation.CANCELLED)
    endif
  endfor
  if !empty(lines)
    lines->add('')
  endif
  return lines + ['## You', '']
enddef

# Opens stored conversation `id` in a new chat buffer that continues it; Done(buf) gets the
# buffer (-1 when it could not be read).
export def Open(id: string, Done: func = (_) => 0)
  if !daemon.Connect()
    Done(-1)
    return
  endif
  daemon.Request('conversations.get', {id: id}, (_, response) => {
    if has_key(response, 'error')
      options.Error(response.error.message)
      Done(-1)
      return
    endif
    var result = response.result
    var buf = chat.New()
    deletebufline(buf, 1, '$')
    setbufline(buf, 1, Render(get(result, 'messages', [])))
    chat.SetConversationId(buf, id)
    if type(get(result, 'title', v:null)) == v:t_string
      setbufvar(buf, 'switchboard_title', result.title)
    endif
    chat.Show(buf, true)
    Done(buf)
  })
enddef

# "title · when" for the picker.
export def Label(item: dict<any>): string
  var title = get(item, 'title', '')
  var updated = get(item, 'updated_at', v:null)
  var when = index([v:t_number, v:t_float], type(updated)) >= 0 ? strftime('%Y-%m-%d %H:%M', float2nr(0.0 + updated)) : ''
  return printf('%s  · %s', type(title) == v:t_string && title != '' ? title : '(untitled)', when)
enddef

# Sets how the picker asks (for tests); without it, a popup menu (inputlist() without popups).
export def SetChooser(Chooser: func)
  Choose = Chooser
enddef

def PopupOrList(labels: list<string>, Picked: func)
  if has('popupwin')
    popup_menu(labels, {title: ' Conversations ', maxheight: 20, minwidth: 40,
      callback: (_, result) => Picked(result - 1)})
  else
    var choice = inputlist(['Conversation:'] + mapnew(labels, (i, label) => printf('%d. %s', i + 1, label)))
    Picked(choice >= 1 && choice <= len(labels) ? choice - 1 : -1)
  endif
enddef

Choose = PopupOrList

# Lists the stored conversations (newest first) to pick one, which opens as a chat. Done(buf)
# runs after (-1 when nothing was opened).
export def Pick(Done: func = (_) => 0)
  if !daemon.Connect()
    Done(-1)
    return
  endif
  daemon.Request('conversations.list', {limit: 200}, (_, response) => {
    if has_key(response, 'error')
      options.Error(response.error.message)
      Done(-1)
      return
    endif
    var items = get(response.result, 'conversations', [])
    if empty(items)
      options.Info('no stored conversations yet')
      Done(-1)
      return
    endif
    Choose(mapnew(items, (_, item) => Label(item)), (index) => {
      if index < 0 || index >= len(items)
        Done(-1)
      else
        Open(items[index].id, Done)
      endif
    })
  })
enddef
