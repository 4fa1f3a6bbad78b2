-- The shared corpus (editors/corpus): each chat file's messages and pending input, as its .json
-- beside it says; every editor client's parser is tested against the same files.
local t = dofile(debug.getinfo(1, 'S').source:sub(2):match('^(.*)/') .. '/helpers.lua')
local conversation = require('switchboard.conversation')

local dir = vim.fn.fnamemodify(debug.getinfo(1, 'S').source:sub(2), ':p:h:h:h') .. '/corpus'
local files = vim.fn.glob(dir .. '/*.md', false, true)

t.case('the corpus is there', function()
  t.ok(#files >= 8, 'corpus files in ' .. dir .. ': ' .. #files)
end)

for _, file in ipairs(files) do
  local name = vim.fn.fnamemodify(file, ':t')
  if name ~= 'README.md' then
    t.case('corpus ' .. name, function()
      local json = table.concat(vim.fn.readfile(file:gsub('%.md$', '.json')), '\n'):gsub('{dir}', dir)
      local expected = vim.fn.json_decode(json)
      local lines = vim.fn.readfile(file)
      t.eq(conversation.messages(lines, dir), expected.messages, name .. ' messages')
      t.eq(conversation.pending(lines) ~= nil, expected.pending, name .. ' pending')
    end)
  end
end

t.finish('corpus')
