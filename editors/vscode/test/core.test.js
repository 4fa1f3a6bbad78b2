'use strict';
// core.js without VS Code: pure functions, and the Session against the real daemon
// ($SWITCHBOARD_BIN, with the echo upstream at $OPENAI_BASE_URL).

const test = require('node:test');
const assert = require('node:assert/strict');
const core = require('../core');
const { SwitchboardError, ConnectionLost } = require('../client');

const BINARY = process.env.SWITCHBOARD_BIN || 'switchboard';
const defaults = core.readSettings((key, fallback) => fallback);

test('readSettings applies defaults and trims; daemonConfig and requestParams carry what is set', () => {
  assert.deepEqual(defaults, { path: 'switchboard', baseUrl: '', model: '', visionModel: '', profile: '', tools: 'auto', store: true, systemPrompt: '', presets: {} });
  const values = { path: ' /opt/sb ', baseUrl: 'http://h/v1', model: 'gpt-4o', profile: 'local', presets: { a: { system: 's' } } };
  const settings = core.readSettings((key, fallback) => values[key] ?? fallback);
  assert.equal(settings.path, '/opt/sb');
  assert.deepEqual(core.daemonConfig(settings, 'sk-1'), { base_url: 'http://h/v1', api_key: 'sk-1' });
  assert.deepEqual(core.daemonConfig(defaults, undefined), {});
  assert.deepEqual(core.requestParams([], settings), { messages: [], model: 'gpt-4o', profile: 'local' });
  assert.deepEqual(core.requestParams([], defaults, 'x'), { messages: [], model: 'x' });
});

test('chatModels keeps chat models; fitProposal keeps a final newline', () => {
  assert.deepEqual(core.chatModels({ data: [{ id: 'gpt-4o' }, { id: 'text-embedding-3-small' }, { id: 'whisper-1' }, { id: 'tts-1' }, { id: 'llama3' }] }), ['gpt-4o', 'llama3']);
  assert.equal(core.fitProposal('a\n', 'B'), 'B\n');
  assert.equal(core.fitProposal('a', 'B'), 'B');
});

test('shiftOffset follows edits before the point and ignores those after it', () => {
  assert.equal(core.shiftOffset(10, [{ rangeOffset: 0, rangeLength: 0, text: '# ' }]), 12);
  assert.equal(core.shiftOffset(10, [{ rangeOffset: 2, rangeLength: 3, text: '' }]), 7);
  assert.equal(core.shiftOffset(10, [{ rangeOffset: 10, rangeLength: 0, text: 'x' }, { rangeOffset: 20, rangeLength: 1, text: '' }]), 10);
  assert.equal(core.shiftOffset(10, [{ rangeOffset: 8, rangeLength: 5, text: 'ab' }]), 10);
});

test('formatError names code, status and message, and hints at switchboard.path', () => {
  const upstream = new SwitchboardError(-32001, 'upstream HTTP 401: Incorrect API key provided', { status: 401 });
  assert.equal(core.formatError(upstream), 'Switchboard error -32001: upstream HTTP 401: Incorrect API key provided');
  assert.equal(core.formatError(new SwitchboardError(-32001, 'refused', { status: 403 })), 'Switchboard error -32001, HTTP 403: refused');
  assert.equal(core.formatError(new SwitchboardError(-32800, 'request cancelled')), 'Switchboard: request cancelled.');
  const missing = new ConnectionLost('cannot run sb: spawn sb ENOENT', -2);
  assert.equal(core.formatError(missing, { path: 'sb' }), 'Switchboard: cannot run sb: spawn sb ENOENT. Set "switchboard.path" to the daemon (now "sb").');
});

test('orderedAppender writes in order, joins the pieces that arrive during a write, stops after a failure', async () => {
  const writes = [];
  const slow = core.orderedAppender(async (text) => {
    writes.push(text);
    await new Promise((resolve) => setTimeout(resolve, 10));
  });
  slow.append('a');
  await new Promise((resolve) => setImmediate(resolve));
  slow.append('b');
  slow.append('c');
  await slow.flushed();
  assert.deepEqual(writes, ['a', 'bc']);
  let calls = 0;
  const failing = core.orderedAppender(async () => { calls++; throw new Error('closed'); });
  failing.append('x');
  await failing.flushed();
  failing.append('y');
  await failing.flushed();
  assert.equal(calls, 1);
  const order = [];
  const mixed = core.orderedAppender(async (text) => { order.push(text); });
  mixed.append('x');
  mixed.queue(async () => { order.push('[record]'); });
  mixed.append('y');
  mixed.append('z');
  await mixed.flushed();
  assert.deepEqual(order, ['x', '[record]', 'yz'], 'a queued write keeps its place among the pieces');
});

test('Session streams, reports busy, cancels, and restarts when the path changes', async () => {
  let path = '/nonexistent/switchboard';
  const busy = [];
  const session = new core.Session(() => ({ ...defaults, path }), { onBusy: (b) => busy.push(b) });
  await assert.rejects(session.stream({ messages: [{ role: 'user', content: 'hi' }] }, () => {}), /ENOENT/);
  path = BINARY;
  const pieces = [];
  const result = await session.stream({ messages: [{ role: 'user', content: 'hello' }] }, (p) => pieces.push(p));
  assert.equal(pieces.join(''), 'echo: hello');
  assert.equal(result.choices[0].message.content, 'echo: hello');
  const running = session.stream({ messages: [{ role: 'user', content: `SLOW ${'word '.repeat(10)}` }] }, () => {
    if (session.active.size) session.cancelAll();
  });
  await assert.rejects(running, (error) => core.isCancellation(error));
  assert.deepEqual(busy, [true, false, true, false]);
  assert.equal(await session.dispose(), 0);
});
