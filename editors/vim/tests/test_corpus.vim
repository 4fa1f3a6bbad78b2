vim9script
# The shared corpus (editors/corpus): each chat file's messages and pending input, as its .json
# beside it says; every editor client's parser is tested against the same files.

import autoload 'switchboard/conversation.vim'
import './helpers.vim' as t

const DIR = fnamemodify(expand('<sfile>:p'), ':h:h:h') .. '/corpus'

def TestThere()
  t.Check(len(glob(DIR .. '/*.md', false, true)) >= 9, 'corpus files in ' .. DIR)
enddef

def CheckFile(file: string)
  var name = fnamemodify(file, ':t')
  var expected = json_decode(join(readfile(fnamemodify(file, ':r') .. '.json'), "\n")->substitute('{dir}', DIR, 'g'))
  var lines = readfile(file)
  t.Eq(conversation.Messages(lines, DIR), expected.messages, name .. ' messages')
  t.Eq(!empty(conversation.Pending(lines)), expected.pending, name .. ' pending')
enddef

t.Case('the corpus is there', TestThere)
for file in glob(DIR .. '/*.md', false, true)
  if fnamemodify(file, ':t') != 'README.md'
    t.Case('corpus ' .. fnamemodify(file, ':t'), function(CheckFile, [file]))
  endif
endfor
t.Finish('corpus')
