vim9script
# Default maps beside a user's own <Leader>a: in a mode where the user maps <Leader>a itself, no
# <Leader>a... map is made (it would make the user's map wait for a second key).

g:mapleader = ' '
xnoremap <Leader>a <Cmd>echo "align"<CR>
g:switchboard_cmd = [$SWITCHBOARD_BIN]
runtime plugin/switchboard.vim

import './helpers.vim' as t

def TestPrefix()
  t.Eq(maparg(' ac', 'n'), '<Plug>(SwitchboardChat)', 'Normal mode still has <Leader>ac')
  t.Eq(maparg(' ar', 'x'), '', 'no <Leader>ar in Visual mode')
  t.Eq(maparg(' ac', 'x'), '', 'no <Leader>ac in Visual mode')
  t.Eq(maparg(' a', 'x'), '<Cmd>echo "align"<CR>', "the user's <Leader>a")
enddef

t.Case("default maps: none in a mode where the user maps <Leader>a itself", TestPrefix)
t.Finish('keymaps')
