'use strict';
// core.js without VS Code: pure functions, and the Session against the real daemon
// ($SWITCHBOARD_BIN, with the echo upstream at $OPENAI_BASE_URL).

const test = require('node:test');
const assert = require('node:assert/strict');
const core = require('../core');
const { SwitchboardError, ConnectionLost } = require('../switchboard');

const BINARY = process.env.SWITCHBOARD_BIN || 'switchboard';
const PNG = process.env.SWITCHBOARD_TEST_PNG;

const defaults = core.readSettings((key, fallback) => fallback);

test('readSettings applies defaults and trims', () => {
  assert.deepEqual(defaults, { path: 'switchboard', model: '', profile: '', chatOutput: 'document' });
  const values = { path: ' /opt/sb ', model: 'gpt-4o', profile: 'local', chatOutput: 'outputChannel' };
  assert.deepEqual(core.readSettings((key) => values[key]), { path: '/opt/sb', model: 'gpt-4o', profile: 'local', chatOutput: 'outputChannel' });
  assert.equal(core.readSettings((key) => ({ path: '', chatOutput: 'bogus' })[key]).path, 'switchboard');
  assert.equal(core.readSettings((key) => ({ chatOutput: 'bogus' })[key]).chatOutput, 'document');
});

test('chatPrompt prefers a non-blank selection, then the typed text', () => {
  assert.equal(core.chatPrompt('  explain this\n', 'typed'), 'explain this');
  assert.equal(core.chatPrompt(' \n ', ' typed '), 'typed');
  assert.equal(core.chatPrompt('', undefined), undefined);
  assert.equal(core.chatPrompt('', ''), undefined);
});

test('chatParams and describeOptions carry model and profile only when set', () => {
  assert.deepEqual(core.chatParams('hi', defaults), { messages: [{ role: 'user', content: 'hi' }] });
  assert.deepEqual(core.chatParams('hi', { ...defaults, model: 'gpt-4o', profile: 'relay' }), {
    messages: [{ role: 'user', content: 'hi' }], model: 'gpt-4o', profile: 'relay',
  });
  assert.deepEqual(core.describeOptions('', defaults), {});
  assert.deepEqual(core.describeOptions(' What is it? ', { ...defaults, model: 'x', profile: 'p' }), { prompt: 'What is it?', profile: 'p' });
});

test('chatHeader quotes the prompt as Markdown', () => {
  assert.equal(core.chatHeader('one\n\ntwo'), '> one\n>\n> two\n\n');
});

test('formatError names code, status and message, and hints at switchboard.path', () => {
  const upstream = new SwitchboardError(-32001, 'upstream HTTP 401: Incorrect API key provided', { status: 401 });
  assert.equal(core.formatError(upstream), 'Switchboard error -32001: upstream HTTP 401: Incorrect API key provided');
  const relay = new SwitchboardError(-32001, 'the relay refused the request', { status: 403 });
  assert.equal(core.formatError(relay), 'Switchboard error -32001, HTTP 403: the relay refused the request');
  assert.equal(core.formatError(new SwitchboardError(-32005, 'no API key', { field: 'api_key' })), 'Switchboard error -32005: no API key');
  assert.equal(core.formatError(new SwitchboardError(-32800, 'request cancelled')), 'Switchboard: request cancelled.');
  const missing = new ConnectionLost('cannot run sb: spawn sb ENOENT', -2);
  assert.equal(core.formatError(missing, { path: 'sb' }), 'Switchboard: cannot run sb: spawn sb ENOENT. Set "switchboard.path" to the daemon (now "sb").');
  assert.equal(core.formatError(new Error('boom')), 'Switchboard: boom');
  assert.ok(core.isCancellation({ code: -32800 }));
  assert.ok(!core.isCancellation(upstream));
});

test('orderedAppender writes in order, joins the pieces that arrive during a write, stops after a failure', async () => {
  const writes = [];
  const slow = core.orderedAppender(async (text) => {
    writes.push(text);
    await new Promise((resolve) => setTimeout(resolve, 10));
  });
  slow.append('a');
  await new Promise((resolve) => setImmediate(resolve)); // the first write has started
  slow.append('b');
  slow.append('');
  slow.append('c');
  await slow.flushed();
  slow.append('d');
  await slow.flushed();
  assert.deepEqual(writes, ['a', 'bc', 'd']);

  let calls = 0;
  const failing = core.orderedAppender(async () => {
    calls++;
    throw new Error('closed');
  });
  failing.append('x');
  await failing.flushed();
  failing.append('y');
  await failing.flushed();
  assert.equal(calls, 1);
});

function startSession(overrides = {}) {
  const logs = [];
  const session = new core.Session(() => ({ ...defaults, path: BINARY, ...overrides }), { log: (text) => logs.push(text) });
  return { session, logs };
}

test('Session streams a chat answer in order and shuts the daemon down', async () => {
  const { session } = startSession({ model: 'gpt-4o' });
  const pieces = [];
  const result = await session.chat('hello from the editor', (piece) => pieces.push(piece));
  assert.equal(pieces.join(''), 'echo: hello from the editor');
  assert.equal(pieces[0], 'ech');
  assert.equal(result.model, 'gpt-4o');
  assert.equal(result.choices[0].message.content, 'echo: hello from the editor');
  const client = session.current;
  assert.equal(await session.dispose(), 0);
  assert.equal(client.process.exitCode, 0);
  assert.equal(await session.dispose(), undefined);
});

test('Session.cancelAll stops a running answer with -32800', async () => {
  const { session } = startSession();
  const pieces = [];
  assert.equal(session.cancelAll(), 0);
  const running = session.chat(`SLOW ${'word '.repeat(20)}`, (piece) => {
    pieces.push(piece);
    if (pieces.length === 1) assert.equal(session.cancelAll(), 1);
  });
  await assert.rejects(running, (error) => core.isCancellation(error) && core.formatError(error) === 'Switchboard: request cancelled.');
  assert.ok(pieces.length >= 1 && pieces.length < 10);
  assert.equal(session.active.size, 0);
  assert.equal(await session.dispose(), 0);
});

test('Session surfaces upstream errors with their message', async () => {
  const { session } = startSession();
  await assert.rejects(session.chat('FAIL401', () => {}), (error) => /^Switchboard error -32001: upstream HTTP 401: Incorrect API key/.test(core.formatError(error)));
  assert.equal(await session.dispose(), 0);
});

test('Session.describeImage streams the description', { skip: !PNG && 'SWITCHBOARD_TEST_PNG is not set' }, async () => {
  const { session } = startSession();
  const pieces = [];
  const result = await session.describeImage(PNG, 'What is drawn?', (piece) => pieces.push(piece));
  assert.equal(pieces.join(''), 'echo: What is drawn? [1 image]');
  assert.equal(result.text, 'echo: What is drawn? [1 image]');
  assert.equal(await session.dispose(), 0);
});

test('Session restarts the daemon when switchboard.path changes, and reports a missing one', async () => {
  let path = '/nonexistent/switchboard';
  const session = new core.Session(() => ({ ...defaults, path }));
  await assert.rejects(session.chat('hi', () => {}), (error) => /switchboard\.path/.test(core.formatError(error, { path })));
  path = BINARY;
  assert.equal((await session.chat('back', () => {})).choices[0].message.content, 'echo: back');
  assert.equal(await session.dispose(), 0);
});
