vim9script
# The plugin's settings: g:switchboard_{name} when set, else the defaults here. Read when used,
# so a change takes effect on the next request (the daemon restarts for `cmd` and `config`).

# The repository this plugin lives in (this file is editors/vim/autoload/switchboard/options.vim).
const REPOSITORY = fnamemodify(resolve(expand('<sfile>:p')), ':h:h:h:h:h')

const DEFAULTS = {
  cmd: [],
  model: '',
  vision_model: '',
  profile: '',
  config: {},
  system_prompt: '',
  presets: {
    coder: {system: 'You are an expert programmer. Answer concisely. Put code in fenced blocks that name the language.'},
    reviewer: {system: 'You review code. List concrete problems, bugs first, each with where it is and how to fix it.'},
  },
  rewrite_prompt: 'You rewrite text as instructed. Reply with the rewritten text only, in a single fenced code block, without explanation.',
  insert_prompt: 'Your answer is inserted into the file at the cursor. Reply with the text to insert only: no explanation, no code fences.',
  # where a new chat is saved after each answer ('': not saved)
  autosave_dir: (empty($XDG_DATA_HOME) ? expand('~/.local/share') : $XDG_DATA_HOME) .. '/vim/switchboard/chats',
  window: 'botright vsplit',
  chat_keys: {send: '<CR>', send_insert: '<C-s>', cancel: '<C-c>', new: '<C-l>'},
  diff_keys: {accept: 'ga', reject: 'gr'},
  error_popup: 1,
  # chats through agent.run: 1 offers the editor's tools (read_file, list_files, search,
  # propose_edit) and the daemon's MCP servers' tools (approval with confirm()); a list offers
  # those editor tools only (and the MCP tools); 0: plain chat.complete
  tools: 0,
  # chats kept in the daemon's conversation store (conversation_id), so that :SwitchboardHistory
  # reopens and continues them, from any editor
  store: 1,
  timeout_ms: 5000,
}

# The setting `name`.
export def Get(name: string): any
  return get(g:, 'switchboard_' .. name, DEFAULTS[name])
enddef

# The daemon's argv: g:switchboard_cmd, else the repository's release build, else `switchboard`.
export def Command(): list<string>
  var cmd = Get('cmd')
  if type(cmd) == v:t_string
    return [cmd]
  elseif !empty(cmd)
    return cmd
  endif
  var built = REPOSITORY .. '/.build/release/switchboard'
  return [executable(built) ? built : 'switchboard']
enddef

# Reports an error: in the message history (:messages) and, where Vim has popups, in one.
export def Error(message: string)
  echohl ErrorMsg
  echomsg 'switchboard: ' .. message
  echohl None
  if Get('error_popup') && has('popupwin')
    popup_notification('switchboard: ' .. message, {highlight: 'ErrorMsg', time: 5000})
  endif
enddef

export def Info(message: string)
  echomsg 'switchboard: ' .. message
enddef

export def Warn(message: string)
  echohl WarningMsg
  echomsg 'switchboard: ' .. message
  echohl None
enddef
