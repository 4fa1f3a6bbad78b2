vim9script
# :SwitchboardHealth — the daemon binary and its version, the configuration it uses, and what the
# upstream answers to models.list (so a wrong base URL or key shows here), in a scratch buffer.

import autoload 'switchboard/daemon.vim'
import autoload 'switchboard/models.vim'
import autoload 'switchboard/options.vim'

# Asks the daemon `method` and waits for the response message.
def Ask(method: string, params: dict<any>): dict<any>
  var answer: dict<any> = {}
  daemon.Request(method, params, (_, response) => {
    answer = response
  })
  var waited = 0
  while empty(answer) && waited < 3 * options.Get('timeout_ms')
    sleep 10m
    waited += 10
  endwhile
  return empty(answer) ? {error: {code: '', message: 'no answer in time'}} : answer
enddef

# The report's lines: "OK: ...", "INFO: ...", "WARNING: ..." or "ERROR: ...".
export def Report(): list<string>
  var cmd = options.Command()
  var path = exepath(cmd[0])
  if path == ''
    return [printf('ERROR: "%s" is not an executable: build it (swift build -c release), or set g:switchboard_cmd', cmd[0])]
  endif
  var lines = ['OK: executable: ' .. path]
  var version = trim(system(shellescape(path) .. ' --version'))
  if v:shell_error != 0
    return lines + [printf('ERROR: %s --version failed (exit %d): %s', path, v:shell_error, version)]
  endif
  lines->add('OK: version: ' .. version)
  if !daemon.Connect()
    return lines + ['ERROR: the daemon did not start (see :messages)']
  endif
  var profile = options.Get('profile')
  var params: dict<any> = profile == '' ? {} : {profile: profile}
  var config = Ask('config.get', params)
  if has_key(config, 'error')
    return lines + ['ERROR: config.get failed: ' .. config.error.message]
  endif
  var effective = config.result
  lines->add('INFO: profile: ' .. (profile == '' ? '(the daemon default)' : profile))
  lines->add('INFO: base_url: ' .. get(effective, 'base_url', '(none)'))
  lines->add('INFO: model: ' .. (options.Get('model') == '' ? get(effective, 'default_model', '') .. ', the daemon default' : options.Get('model')))
  if has_key(effective, 'api_key') || has_key(effective, 'api_key_command')
    lines->add('OK: API key: set')
  else
    lines->add('WARNING: API key: not set (OPENAI_API_KEY, or api_key in the config file; "" for local servers)')
  endif
  var listed = Ask('models.list', params)
  if has_key(listed, 'error')
    lines->add(printf('ERROR: models.list failed: %s (error %s); check base_url (it usually ends in /v1), the key, the network', listed.error.message, listed.error.code))
  else
    var chat = models.ChatIds(listed.result)
    lines->add(printf('OK: the upstream answered models.list: %d models, %d for chat: %s', len(get(listed.result, 'data', [])), len(chat), join(chat, ', ')))
  endif
  return lines
enddef

# Shows the report in a new scratch buffer.
export def Show()
  var lines = Report()
  silent new
  setlocal buftype=nofile bufhidden=wipe noswapfile
  silent! file switchboard://health
  setline(1, ['switchboard health'] + lines)
enddef
