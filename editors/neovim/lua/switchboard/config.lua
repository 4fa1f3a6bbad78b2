-- Options of the switchboard plugin: the defaults, and the values setup() and the commands set.
local M = {}

-- The repository this plugin lives in (this file is editors/neovim/lua/switchboard/config.lua),
-- found through links (a plugin folder linked into a pack directory).
local source = debug.getinfo(1, 'S').source:sub(2)
local repository = vim.fn.fnamemodify((vim.uv or vim.loop).fs_realpath(source) or source, ':p:h:h:h:h:h')

M.defaults = {
  -- argv of the daemon; nil: the repository's own release build when it exists (what a plugin
  -- manager's build step makes), else `switchboard` on PATH
  cmd = nil,
  -- model for chat requests; nil lets the daemon use its default_model
  model = nil,
  -- model for requests whose conversation holds an image; nil: `model`
  vision_model = nil,
  -- configuration profile named in every request; nil uses the daemon's default_profile
  profile = nil,
  -- a configuration layer sent with `initialize` (base_url, profiles, default_model, ...)
  config = nil,
  -- the system prompt of a new chat without a preset; nil: none
  system_prompt = nil,
  -- named presets (roles) for :SwitchboardNew {name}: a system prompt and, optionally, a model
  presets = {
    coder = {
      system = 'You are an expert programmer. Answer concisely. Put code in fenced blocks that name the language.',
    },
    reviewer = {
      system = 'You review code. List concrete problems, bugs first, each with where it is and how to fix it.',
    },
  },
  -- the instruction sent with every rewrite (the selection follows it in a fenced block)
  rewrite_prompt = 'You rewrite text as instructed. Reply with the rewritten text only, in a single fenced code block, without explanation.',
  -- the instruction sent when inserting at the cursor
  insert_prompt = 'Your answer is inserted into the file at the cursor. Reply with the text to insert only: no explanation, no code fences.',
  -- where a new chat (a scratch buffer) is saved after each answer, as Markdown (continue one with
  -- :SwitchboardOpen); nil: stdpath('data')/switchboard/chats; false: not saved
  autosave_dir = nil,
  -- chats with tools (through agent.run): true offers the editor's tools (read_file, list_files,
  -- search, propose_edit) and the daemon's MCP servers' tools; a list offers those editor tools
  -- only (and the MCP tools); false: never; nil: when the daemon has MCP servers (tools.list)
  tools = nil,
  -- chats kept in the daemon's conversation store (conversation_id), so that :SwitchboardHistory
  -- reopens and continues them, from any editor
  store = true,
  -- the command that opens a window for a chat buffer when none shows it
  window = 'botright vsplit',
  -- keys in chat buffers (normal mode unless said); false disables one
  chat_keys = { send = '<CR>', send_insert = '<C-s>', cancel = '<C-c>', new = '<C-l>' },
  -- keys in the rewrite diff tab
  diff_keys = { accept = 'ga', reject = 'gr' },
  -- the <Leader>a... maps of plugin/switchboard.lua; false removes them
  default_keymaps = true,
  -- milliseconds to wait for the daemon to answer `initialize`, and for shutdown
  timeout_ms = 5000,
}

M.options = vim.deepcopy(M.defaults)

--- The daemon's argv: `cmd`, else the repository's release build, else `switchboard` on PATH.
function M.command(options)
  if options.cmd then
    return type(options.cmd) == 'string' and { options.cmd } or options.cmd
  end
  local built = repository .. '/.build/release/switchboard'
  return { vim.fn.executable(built) == 1 and built or 'switchboard' }
end

--- Replaces the options with the defaults overridden by `opts`.
function M.set(opts)
  opts = opts or {}
  M.options = vim.tbl_deep_extend('force', vim.deepcopy(M.defaults), opts)
  -- a list replaces the default whole (deep extension would merge it index by index)
  M.options.cmd = opts.cmd and vim.deepcopy(opts.cmd)
  return M.options
end

return M
