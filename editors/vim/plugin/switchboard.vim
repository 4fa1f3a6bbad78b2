vim9script
# Commands and maps of switchboard.vim (see :help switchboard). The daemon starts on first use.
if exists('g:loaded_switchboard') || !has('channel') || !has('job') || v:version < 900
  finish
endif
g:loaded_switchboard = 1

import autoload 'switchboard.vim'
import autoload 'switchboard/health.vim'
import autoload 'switchboard/history.vim'
import autoload 'switchboard/models.vim'
import autoload 'switchboard/options.vim'

def Presets(lead: string, line: string, position: number): list<string>
  return sort(keys(options.Get('presets')))->filter((_, n) => stridx(n, lead) == 0)
enddef

command -range=0 -bang -nargs=* Switchboard {
  if <q-args> == '' && <count> == 0
    switchboard.Chat()
  else
    switchboard.Ask(<q-args> == '' ? 'About these lines:' : <q-args>, <bang>false, <count> > 0 ? <line1> : 0, <line2>)
  endif
}
command -range=0 -nargs=? -complete=customlist,Presets SwitchboardChat switchboard.Chat(<q-args>, <count> > 0 ? <line1> : 0, <line2>)
command -nargs=? -complete=customlist,Presets SwitchboardNew switchboard.NewChat(<q-args>)
command -nargs=0 SwitchboardSend switchboard.Send()
command -nargs=0 SwitchboardRetry switchboard.Retry()
command -nargs=0 SwitchboardHistory history.Pick()
command -range=0 -nargs=? -complete=file SwitchboardAdd switchboard.Add(<q-args>, <count> > 0 ? <line1> : 0, <line2>)
command -nargs=1 -complete=file SwitchboardImage switchboard.Image(<q-args>)
command -nargs=0 SwitchboardCancel switchboard.Cancel()
command -range -nargs=+ SwitchboardRewrite switchboard.Rewrite(<line1>, <line2>, <q-args>)
command -nargs=0 SwitchboardAccept switchboard.Accept()
command -nargs=0 SwitchboardReject switchboard.Reject()
command -range=0 -nargs=+ SwitchboardInsert switchboard.Insert(<q-args>, <count> > 0 ? <line1> : 0, <line2>)
command -nargs=1 -bang -complete=file SwitchboardSave switchboard.Save(<q-args>, <bang>0)
command -nargs=1 -complete=file SwitchboardOpen switchboard.Open(<q-args>)
command -nargs=? -bang -complete=customlist,models.Complete SwitchboardModel switchboard.Model(<q-args>, <bang>false)
command -nargs=? -bang -complete=customlist,switchboard.CompleteProfiles SwitchboardProfile switchboard.Profile(<q-args>, <bang>false)
command -nargs=0 SwitchboardRestart switchboard.Restart()
command -nargs=0 SwitchboardHealth health.Show()

# The statusline component: %{SwitchboardStatusline()} shows "⟳ switchboard <cancel key>"
# while answers stream.
def g:SwitchboardStatusline(): string
  return switchboard.Statusline()
enddef

# <Plug> maps; the visual ones end Visual mode first, so that '< and '> are set.
nnoremap <silent> <Plug>(SwitchboardChat) <ScriptCmd>switchboard.Chat()<CR>
xnoremap <silent> <Plug>(SwitchboardChat) <Esc><ScriptCmd>switchboard.Chat('', line("'<"), line("'>"))<CR>
xnoremap <silent> <Plug>(SwitchboardRewrite) <Esc><ScriptCmd>switchboard.PromptRewrite()<CR>
nnoremap <silent> <Plug>(SwitchboardInsert) <ScriptCmd>switchboard.PromptInsert(false)<CR>
xnoremap <silent> <Plug>(SwitchboardInsert) <Esc><ScriptCmd>switchboard.PromptInsert(true)<CR>
nnoremap <silent> <Plug>(SwitchboardAdd) <ScriptCmd>switchboard.Add('')<CR>
xnoremap <silent> <Plug>(SwitchboardAdd) <Esc><ScriptCmd>switchboard.Add('', line("'<"), line("'>"))<CR>
nnoremap <silent> <Plug>(SwitchboardCancel) <ScriptCmd>switchboard.Cancel()<CR>
nnoremap <silent> <Plug>(SwitchboardNew) <ScriptCmd>switchboard.NewChat()<CR>
nnoremap <silent> <Plug>(SwitchboardModel) <ScriptCmd>switchboard.Model('', false)<CR>

# The default maps: <Leader>a..., each only where the user has not mapped the key already, nor
# mapped the <Plug> map elsewhere, and none in a mode where the user maps <Leader>a itself (which
# would then wait for a second key); none with g:switchboard_no_default_keymaps.
const DEFAULT_MAPS = [
  ['n', 'ac', 'Chat'], ['x', 'ac', 'Chat'], ['x', 'ar', 'Rewrite'], ['n', 'ai', 'Insert'], ['x', 'ai', 'Insert'],
  ['n', 'aa', 'Add'], ['x', 'aa', 'Add'], ['n', 'ax', 'Cancel'], ['n', 'an', 'New'], ['n', 'am', 'Model'],
]
if !get(g:, 'switchboard_no_default_keymaps', false)
  for [mode, keys, name] in DEFAULT_MAPS
    var plug = '<Plug>(Switchboard' .. name .. ')'
    if maparg('<Leader>a', mode) == '' && maparg('<Leader>' .. keys, mode) == '' && !hasmapto(plug, mode)
      execute mode .. 'map <Leader>' .. keys .. ' ' .. plug
    endif
  endfor
endif

augroup switchboard
  autocmd!
  autocmd VimLeavePre * switchboard.Shutdown()
augroup END
