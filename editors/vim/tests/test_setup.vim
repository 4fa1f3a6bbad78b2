vim9script
# Setting up: default maps that leave the user's alone, model completion and the picker's list
# (chat models only), the health report asking the upstream, a restart when the settings change,
# and shutdown on exit.

g:mapleader = ' '
nnoremap <Leader>am <Cmd>echo "mine"<CR>
g:switchboard_cmd = [$SWITCHBOARD_BIN]
g:switchboard_error_popup = 0
runtime plugin/switchboard.vim

import autoload 'switchboard.vim'
import autoload 'switchboard/health.vim'
import autoload 'switchboard/models.vim'
import './helpers.vim' as t

def TestMaps()
  t.Eq(maparg(' ac', 'n'), '<Plug>(SwitchboardChat)', '<Leader>ac')
  t.Eq(maparg(' ar', 'x'), '<Plug>(SwitchboardRewrite)', '<Leader>ar')
  t.Eq(maparg(' am', 'n'), '<Cmd>echo "mine"<CR>', "the user's <Leader>am")
enddef

def TestModels()
  t.Eq(getcompletion('SwitchboardModel ', 'cmdline'), ['gpt-4o-mini', 'gpt-4o'], 'completion: chat models only')
  t.Eq(getcompletion('SwitchboardModel gpt-4o-', 'cmdline'), ['gpt-4o-mini'], 'completion of a prefix')
  t.Eq(getcompletion('SwitchboardNew ', 'cmdline'), ['coder', 'reviewer'], 'completion of the presets')
  SwitchboardModel gpt-4o
  Switchboard which model?
  t.Eq(t.WaitDone('model').result.model, 'gpt-4o', 'the answer')
  SwitchboardModel!
  Switchboard and now?
  t.WaitDone('default model')
  t.Eq(t.LastRequest().model, 'gpt-4o-mini', "the daemon's default_model")
enddef

def TestHealth()
  var report = join(health.Report(), "\n")
  t.Check(report =~ 'OK: executable: ' .. escape($SWITCHBOARD_BIN, '/.'), report)
  t.Check(report =~ 'OK: the upstream answered models.list: 4 models, 2 for chat: gpt-4o-mini, gpt-4o', report)
  t.Check(report !~ 'ERROR', report)
  t.Check(stridx(report, t.key) == -1, 'the key is in the report')
enddef

def TestRestart()
  var before = switchboard.Status().job
  g:switchboard_config = {base_url: 'http://127.0.0.1:9/v1', max_retries: 0}
  var report = join(health.Report(), "\n")
  t.Eq(job_status(before), 'dead', 'the old daemon has stopped')
  t.Check(report =~ 'ERROR: models.list failed: cannot reach the upstream', report)
  Switchboard hello?
  t.Eq(t.WaitDone('dead upstream').error.code, -32002, 'the new daemon uses the new base_url')
  unlet g:switchboard_config
  Switchboard back
  t.Eq(t.WaitDone('restored').outcome, 'done', 'the daemon is back on the echo upstream')
enddef

def TestProfiles()
  g:switchboard_config = {profiles: {relay: {default_model: 'gpt-4o'}, local: {default_model: 'x'}}}
  t.Eq(getcompletion('SwitchboardProfile ', 'cmdline'), ['local', 'relay'], 'every profile')
  t.Eq(getcompletion('SwitchboardProfile r', 'cmdline'), ['relay'], 'a prefix')
  unlet g:switchboard_config
enddef

def TestLeave()
  var job = switchboard.Status().job
  doautocmd VimLeavePre
  t.Eq(job_status(job), 'dead', 'the daemon after VimLeavePre')
  # 0 is the code of exit after shutdown (1 without), while Vim still holds its stdin open
  t.Eq(job_info(job).exitval, 0, 'exit code')
enddef

t.Case('default maps: <Leader>a... run <Plug> maps, except where the user mapped the key', TestMaps)
t.Case('model completion and the picker offer chat models only; ! goes back to the default', TestModels)
t.Case(':SwitchboardHealth asks the upstream for its models', TestHealth)
t.Case('changed settings restart the daemon; the health report shows a dead upstream', TestRestart)
t.Case(':SwitchboardProfile completes the profiles of the configuration', TestProfiles)
t.Case('VimLeavePre shuts the daemon down (shutdown, exit: code 0)', TestLeave)
t.Finish('setup')
