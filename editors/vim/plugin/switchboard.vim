vim9script
# Commands of switchboard.vim (see :help switchboard). The daemon starts on first use.
if exists('g:loaded_switchboard') || !has('channel') || !has('job') || v:version < 900
  finish
endif
g:loaded_switchboard = 1

import autoload 'switchboard.vim'

command -range -bang -nargs=* Switchboard switchboard.Chat(<q-args>, '<bang>' == '!', <range>, <line1>, <line2>)
command -nargs=+ -complete=file SwitchboardDescribeImage switchboard.DescribeImage([<f-args>])
command -nargs=0 SwitchboardCancel switchboard.Cancel()
command -nargs=? -bang SwitchboardModel switchboard.Model(<q-args>, '<bang>' == '!')
command -nargs=? -bang SwitchboardProfile switchboard.Profile(<q-args>, '<bang>' == '!')

augroup switchboard
  autocmd!
  autocmd VimLeavePre * switchboard.Shutdown()
augroup END
