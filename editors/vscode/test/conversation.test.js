'use strict';
// conversation.js: the shared Markdown form of a conversation, read into chat messages.

const test = require('node:test');
const assert = require('node:assert/strict');
const conversation = require('../conversation');

const CHAT = [
  '## System', 'Be brief.', '',
  '## You', 'What is this?', '![image](pics/cat.png)', '',
  '## Assistant', 'A cat.', '```md', '## You', 'inside a fence', '```', '',
  '## You', 'FAIL', '', '## Assistant', '[error -32001: no]', '',
  '## You', 'Count', '', '## Assistant', 'one two', '[cancelled]', '',
  '## You', 'next', '',
].join('\n');

test('messages: roles, images resolved, fences, errors and cancellations', () => {
  assert.deepEqual(conversation.messages(CHAT, '/home/me'), [
    { role: 'system', content: 'Be brief.' },
    { role: 'user', content: [{ type: 'text', text: 'What is this?' }, { type: 'image_url', image_url: { url: '/home/me/pics/cat.png' } }] },
    { role: 'assistant', content: 'A cat.\n```md\n## You\ninside a fence\n```' },
    { role: 'user', content: 'Count' },
    { role: 'assistant', content: 'one two' },
    { role: 'user', content: 'next' },
  ]);
  assert.ok(conversation.hasImage(conversation.messages(CHAT, '/')));
  assert.equal(conversation.imageUrl('https://x/y.png', '/a'), 'https://x/y.png');
});

test('closing: a fence left open is closed, then the note of a cancel, an error (one line) or the token limit', () => {
  assert.deepEqual(conversation.closing('```sh\necho one', { result: { choices: [{ finish_reason: 'length' }] } }), ['```', '[cut off]']);
  assert.deepEqual(conversation.closing('text\n```\ncode\n', { error: { code: -32603, message: 'the upstream\nclosed' } }),
    ['```', '[error -32603: the upstream closed]']);
  assert.deepEqual(conversation.closing('', { error: { message: 'cannot start' } }), ['[error: cannot start]']);
  assert.deepEqual(conversation.closing('````md\n```\n', { cancelled: true }), ['````', '[cancelled]']);
  assert.deepEqual(conversation.closing('done', { result: { choices: [{ finish_reason: 'stop' }] } }), []);
});

test('pending, isConversation and fresh', () => {
  assert.ok(conversation.pending(CHAT));
  assert.ok(!conversation.pending(conversation.fresh('')));
  assert.equal(conversation.fresh('S'), '## System\nS\n\n## You\n');
  assert.ok(conversation.isConversation('notes\n## You\n'));
  assert.ok(!conversation.isConversation('# Title\n### You\n'));
});

test('fenced uses a longer fence than the text; codeOf takes the first fenced block', () => {
  assert.equal(conversation.fenced('File: a', 'x ``` y\n', 'js'), 'File: a\n````js\nx ``` y\n````');
  assert.equal(conversation.codeOf('Here:\n```lua\nA\nB\n```\nDone.'), 'A\nB');
  assert.equal(conversation.codeOf('  plain  '), 'plain');
});

test('render: a stored conversation as a chat: tool call records with their own results, cancelled answers, an input last', () => {
  const call = (id, name, args) => ({ id, type: 'function', function: { name, arguments: args } });
  const text = conversation.render([
    { role: 'system', content: 'Be brief.' },
    { role: 'user', content: [{ type: 'text', text: 'Look' }, { type: 'image_url', image_url: { url: '/tmp/a.png' } }] },
    { role: 'assistant', content: null, tool_calls: [call('call_1', 'read_file', '{"path":"a.txt"}')] },
    { role: 'tool', tool_call_id: 'call_1', content: 'one\ntwo' },
    { role: 'assistant', content: 'It says one, two.\n' },
    // a model that reuses a call id: each record still shows its own call's result
    { role: 'user', content: 'again' },
    { role: 'assistant', content: 'Reading.', tool_calls: [call('call_1', 'search', 'not json')] },
    { role: 'tool', tool_call_id: 'call_1', content: 'no match for x' },
    { role: 'assistant', content: '```py\nx = 1', status: 'cancelled' },
  ]);
  assert.equal(text, [
    '## System', 'Be brief.', '',
    '## You', 'Look', '![image](/tmp/a.png)', '',
    '## Assistant', '> [tool] read_file … called', '>   arguments: {"path":"a.txt"}', '>   result:', '>     one', '>     two', 'It says one, two.', '',
    '## You', 'again', '',
    '## Assistant', 'Reading.', '> [tool] search … called', '>   arguments: not json', '>   result: no match for x', '```py', 'x = 1', '```', '[cancelled]', '',
    '## You', '',
  ].join('\n'));
  assert.deepEqual(conversation.messages(text, '/').map((m) => m.role), ['system', 'user', 'assistant', 'user', 'assistant']);
  assert.equal(conversation.pending(text), false);
  assert.equal(conversation.usageNote({ total_tokens: 30, prompt_tokens: 20, completion_tokens: 10 }), '30 tokens (20 in, 10 out)');
  assert.equal(conversation.usageNote(undefined), null);
});
