vim9script
# The upstream's models, kept to those that chat (models.list also lists embedding, speech,
# transcription and image models, which chat.complete cannot use).

import autoload 'switchboard/daemon.vim'
import autoload 'switchboard/options.vim'

const NOT_CHAT = '\c\(embed\|whisper\|tts\|dall-e\|moderation\|transcribe\|davinci\|babbage\|gpt-image\)'

# The chat model ids in a models.list result.
export def ChatIds(result: any): list<string>
  var data = type(result) == v:t_dict ? get(result, 'data', []) : []
  return mapnew(data, (_, m) => get(m, 'id', ''))->filter((_, id) => id != '' && id !~ NOT_CHAT)
enddef

def Params(): dict<any>
  return options.Get('profile') == '' ? {} : {profile: options.Get('profile')}
enddef

# The chat models, waiting for the answer (for completion); [] after an error.
export def List(): list<string>
  var answer = daemon.RequestWait('models.list', Params())
  if has_key(answer, 'error')
    options.Error(answer.error.message)
  endif
  return ChatIds(get(answer, 'result', {}))
enddef

# Completion of :SwitchboardModel.
export def Complete(lead: string, line: string, position: number): list<string>
  return filter(List(), (_, id) => stridx(id, lead) == 0)
enddef

const DEFAULT = "(the daemon's default_model)"

# Lets the user pick a chat model in a popup menu; `Picked(name)` gets '' for the default.
export def Pick(Picked: func)
  var choices = [DEFAULT] + List()
  popup_menu(choices, {title: ' Model ', callback: (_, index) => {
    if index > 0
      Picked(index == 1 ? '' : choices[index - 1])
    endif
  }})
enddef
