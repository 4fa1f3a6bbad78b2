'use strict';
// Tests of switchboard.js against the real daemon ($SWITCHBOARD_BIN) and the echo upstream
// ($OPENAI_BASE_URL): answers are "echo: <last user message>", streamed in 3-character pieces;
// SLOW streams them 0.2 s apart; FAIL401 gets an upstream 401.

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { Switchboard, SwitchboardError, ConnectionLost, MessageReader } = require('../switchboard');
const upstream = require('./upstream');

const BINARY = process.env.SWITCHBOARD_BIN || 'switchboard';
const PNG = process.env.SWITCHBOARD_TEST_PNG;

const user = (text) => ({ messages: [{ role: 'user', content: text }] });
const piecesOf = (text) => text.match(/[\s\S]{1,3}/g);
const answer = (result) => result.choices[0].message.content;

async function collect(stream) {
  const pieces = [];
  for await (const piece of stream) pieces.push(piece);
  return pieces;
}

/** Runs `body` with a fresh client and checks that it closes cleanly afterwards. */
function withClient(body, options = {}) {
  return async () => {
    const client = new Switchboard({ binary: BINARY, ...options });
    try {
      await body(client);
    } finally {
      assert.equal(await client.close(), 0);
    }
  };
}

test('request resolves to the result', withClient(async (client) => {
  const models = await client.request('models.list');
  assert.deepEqual(models.data.map((m) => m.id), ['gpt-4o-mini', 'gpt-4o', 'text-embedding-3-small', 'whisper-1']);
}));

test('initialize layers its config', withClient(async (client) => {
  const result = await client.initialize({ config: { default_model: 'gpt-4o' } });
  assert.equal(result.protocol_version, '1');
  const config = await client.request('config.get');
  assert.equal(config.default_model, 'gpt-4o');
  assert.equal(config.api_key, '[redacted]');
  assert.equal((await client.request('chat.complete', user('hi'))).model, 'gpt-4o');
}));

test('a stream yields every piece in order, then the result', withClient(async (client) => {
  const stream = client.streamChat(user('the quick brown fox'));
  const pieces = await collect(stream);
  assert.deepEqual(pieces, piecesOf('echo: the quick brown fox'));
  const result = await stream.result;
  assert.equal(result.object, 'chat.completion');
  assert.equal(answer(result), 'echo: the quick brown fox');
  assert.equal(result.choices[0].finish_reason, 'stop');
  assert.equal(result.usage.completion_tokens, pieces.length);
}));

test('a streamed request resolves to the assembled completion', withClient(async (client) => {
  assert.equal(answer(await client.request('chat.complete', { ...user('streamed'), stream: true })), 'echo: streamed');
}));

test('notifications go to their own request and to listeners', withClient(async (client) => {
  const seen = [];
  client.on('chat.delta', (params) => seen.push(params.request_id));
  const all = [];
  client.on('notification', ({ method }) => all.push(method));
  const first = client.streamChat(user('first one'));
  const second = client.streamChat(user('second one'));
  const [a, b] = await Promise.all([collect(first), collect(second)]);
  assert.equal(a.join(''), 'echo: first one');
  assert.equal(b.join(''), 'echo: second one');
  // one role chunk, the pieces, one finish chunk per request
  assert.equal(seen.filter((id) => id === first.id).length, piecesOf('echo: first one').length + 2);
  assert.equal(seen.filter((id) => id === second.id).length, piecesOf('echo: second one').length + 2);
  assert.equal(all.length, seen.length);
}));

test('an upstream 401 rejects with SwitchboardError -32001', withClient(async (client) => {
  await assert.rejects(client.request('chat.complete', user('FAIL401')), (error) => {
    assert.ok(error instanceof SwitchboardError);
    assert.equal(error.code, -32001);
    assert.match(error.message, /401/);
    assert.equal(error.data.status, 401);
    assert.equal(error.data.error.code, 'invalid_api_key');
    return true;
  });
}));

test('a failing stream throws at its end and rejects its result', withClient(async (client) => {
  const stream = client.streamChat(user('FAIL401'));
  await assert.rejects(collect(stream), { code: -32001 });
  await assert.rejects(stream.result, { code: -32001 });
}));

test('protocol errors keep their code and data', withClient(async (client) => {
  await assert.rejects(client.request('no.such.method'), { code: -32601, data: { method: 'no.such.method' } });
  await assert.rejects(client.request('chat.complete', { messages: 'x' }), (error) => error.code === -32602 && error.data.field === 'messages');
}));

test('cancel after the first piece ends the stream with -32800', withClient(async (client) => {
  const text = `SLOW ${'word '.repeat(20)}`; // about 40 pieces, 0.2 s apart: 8 s if not cancelled
  const stream = client.streamChat(user(text));
  const received = [];
  const started = Date.now();
  await assert.rejects(async () => {
    for await (const piece of stream) {
      received.push(piece);
      if (received.length === 1) client.cancel(stream.id);
    }
  }, (error) => {
    assert.equal(error.code, -32800);
    assert.equal(error.data.reason, 'cancelled');
    assert.ok(error.partialText.startsWith(received.join('')));
    return true;
  });
  assert.ok(Date.now() - started < 4000);
  assert.ok(received.length >= 1 && received.length < piecesOf(`echo: ${text}`).length);
  assert.deepEqual(received, piecesOf(`echo: ${text}`).slice(0, received.length));
  await assert.rejects(stream.result, { code: -32800 });
  assert.equal(answer(await client.request('chat.complete', user('after'))), 'echo: after');
}));

test('leaving a stream early cancels it: the upstream stops while the client is open', withClient(async (client) => {
  const stream = client.streamChat(user(`SLOW ${'word '.repeat(12)}`)); // over 10 s if not cancelled
  for await (const piece of stream) {
    assert.equal(piece, 'ech');
    assert.ok((await upstream.log()).open_connections >= 1);
    break;
  }
  assert.ok(await upstream.waitUntil(async () => (await upstream.log()).open_connections === 0, 10000), 'the upstream is still streaming');
  assert.equal(client.process.exitCode, null);
  await assert.rejects(stream.result, { code: -32800 });
}));

test('an AbortSignal cancels a stream; it is never sent; an aborted signal sends nothing', withClient(async (client) => {
  const controller = new AbortController();
  const stream = client.streamChat({ ...user(`SLOW ${'word '.repeat(12)}`), signal: controller.signal });
  const received = [];
  await assert.rejects(async () => {
    for await (const piece of stream) {
      received.push(piece);
      controller.abort();
    }
  }, { code: -32800 });
  assert.ok(received.length >= 1);
  assert.ok(await upstream.waitUntil(async () => (await upstream.log()).open_connections === 0, 10000), 'the upstream is still streaming');
  const sent = (await upstream.chatRequests()).pop();
  assert.equal(sent.signal, undefined, 'the signal reached the upstream');
  const before = (await upstream.chatRequests()).length;
  await assert.rejects(client.request('chat.complete', user('never sent'), { signal: AbortSignal.abort() }), { code: -32800 });
  const late = new AbortController();
  assert.equal(answer(await client.request('chat.complete', user('kept'), { signal: late.signal })), 'echo: kept');
  late.abort(); // after the answer: nothing happens
  assert.equal((await upstream.chatRequests()).length, before + 1);
}));

test('a script that never calls close() exits when its work is done, and its daemon with it', async () => {
  const { execFile } = require('node:child_process');
  const script = `
    const { Switchboard } = require(${JSON.stringify(path.join(__dirname, '..', 'switchboard.js'))});
    const sb = new Switchboard({ binary: ${JSON.stringify(BINARY)} });
    (async () => {
      let text = '';
      for await (const piece of sb.streamChat({ messages: [{ role: 'user', content: 'bye' }] })) text += piece;
      console.log(sb.process.pid, text);
    })();`;
  const started = Date.now();
  const output = await new Promise((resolve, reject) => {
    execFile(process.execPath, ['-e', script], { timeout: 20000 }, (error, stdout) => (error ? reject(error) : resolve(stdout)));
  });
  assert.ok(Date.now() - started < 10000, 'the script hung');
  const [pid, ...text] = output.trim().split(' ');
  assert.equal(text.join(' '), 'echo: bye');
  const gone = () => { try { process.kill(Number(pid), 0); return false; } catch { return true; } };
  assert.ok(await upstream.waitUntil(gone, 5000), 'the daemon outlived the script');
});

test('many concurrent streams', withClient(async (client) => {
  const texts = await Promise.all(Array.from({ length: 8 }, async (_, n) => {
    const stream = client.streamChat(user(`stream number ${n} says hello`));
    const text = (await collect(stream)).join('');
    assert.equal(answer(await stream.result), text);
    return text;
  }));
  assert.deepEqual(texts, Array.from({ length: 8 }, (_, n) => `echo: stream number ${n} says hello`));
}));

test('describeImage', { skip: !PNG && 'SWITCHBOARD_TEST_PNG is not set' }, withClient(async (client) => {
  const result = await client.describeImage(PNG);
  assert.equal(result.text, 'echo: Describe this image. [1 image]');
  assert.equal(result.completion.model, 'gpt-4o');
  const relative = await client.describeImage(path.relative(process.cwd(), PNG), { prompt: 'What is it?', detail: 'low' });
  assert.equal(relative.text, 'echo: What is it? [1 image]');
}));

test('describeImageCall streams the description', { skip: !PNG && 'SWITCHBOARD_TEST_PNG is not set' }, withClient(async (client) => {
  const call = client.describeImageCall(PNG, { prompt: 'Colours?', stream: true });
  assert.deepEqual(await collect(call), piecesOf('echo: Colours? [1 image]'));
  assert.equal((await call.result).text, 'echo: Colours? [1 image]');
}));

test('describeImage of a missing file is a file error', withClient(async (client) => {
  await assert.rejects(client.describeImage('/nonexistent/picture.png'), { code: -32006, data: { path: '/nonexistent/picture.png', reason: 'not_found', field: 'image' } });
}));

test('LSP framing', withClient(async (client) => {
  assert.equal((await collect(client.streamChat(user('framed')))).join(''), 'echo: framed');
  assert.equal((await client.request('models.list')).object, 'list');
}, { framing: 'lsp' }));

test('close shuts the daemon down cleanly', async () => {
  const client = new Switchboard({ binary: BINARY });
  let exit;
  client.on('exit', (code, signal) => { exit = [code, signal]; });
  await client.request('models.list');
  assert.equal(await client.close(), 0);
  assert.deepEqual(exit, [0, null]);
  assert.equal(client.process.exitCode, 0);
  assert.equal(await client.close(), 0); // closing twice is harmless
  await assert.rejects(client.request('models.list'), ConnectionLost);
});

test('close kills a daemon that does not answer', async () => {
  const client = new Switchboard({ binary: 'sh', args: ['-c', 'exec sleep 30'] });
  const started = Date.now();
  assert.equal(await client.close(500), null);
  assert.equal(client.process.signalCode, 'SIGKILL');
  assert.ok(Date.now() - started < 5000);
});

test('a missing binary rejects requests with ConnectionLost', async () => {
  const client = new Switchboard({ binary: '/nonexistent/switchboard' });
  await assert.rejects(client.request('models.list'), (error) => error instanceof ConnectionLost && /ENOENT/.test(error.message));
  await client.close(500);
});

test('a dying daemon fails the requests in flight', async () => {
  const client = new Switchboard({ binary: BINARY });
  const stream = client.streamChat(user('SLOW '.repeat(10)));
  const iterator = stream[Symbol.asyncIterator]();
  await iterator.next();
  client.process.kill('SIGTERM');
  // SIGTERM: the daemon answers requests in flight with -32800 (reason "signal"), exits 143
  await assert.rejects(stream.result, (error) => error instanceof SwitchboardError);
  assert.equal(await client.exited, 143);
  await assert.rejects(client.request('models.list'), ConnectionLost);
});

test('MessageReader splits both framings across chunk boundaries', () => {
  const reader = new MessageReader();
  const lsp = '{"id":1,"result":"é"}';
  const wire = Buffer.from(`{"id":0}\n\r\nContent-Length: ${Buffer.byteLength(lsp)}\r\n\r\n${lsp}[{"id":2},{"id":3}]\n`);
  const messages = [];
  for (let i = 0; i < wire.length; i += 5) messages.push(...reader.push(wire.subarray(i, i + 5)));
  assert.deepEqual(messages, [{ id: 0 }, { id: 1, result: 'é' }, [{ id: 2 }, { id: 3 }]]);
});

test('conversations: a stored conversation goes on, and every helper reaches its method', async () => {
  const data = fs.mkdtempSync(path.join(os.tmpdir(), 'switchboard-node-store-'));
  const client = new Switchboard({ binary: BINARY, env: { XDG_DATA_HOME: data } });
  try {
    const turn = (content, id) => ({ conversation_id: id, messages: [{ role: 'user', content }] });
    const { conversation_id: id } = await client.request('chat.complete', turn('What is a monad?', 'new'));
    await client.request('chat.complete', turn('In plain words?', id));
    const { conversations } = await client.conversations.list({ limit: 5 });
    assert.deepEqual(conversations.map((c) => [c.id, c.title, c.message_count]), [[id, 'What is a monad?', 4]]);
    const { messages } = await client.conversations.get(id);
    assert.deepEqual(messages.map((m) => m.content), ['What is a monad?', 'echo: What is a monad?', 'In plain words?', 'echo: In plain words?']);
    const { results } = await client.conversations.search('plain', { limit: 10 });
    assert.deepEqual(results.map((r) => r.message_index).sort(), [2, 3]);
    const fork = await client.conversations.fork(id, { at: 2 });
    assert.deepEqual([fork.message_count, fork.forked_from], [2, id]);
    assert.equal((await client.conversations.rename(id, 'Monads')).title, 'Monads');
    assert.match((await client.conversations.export(id)).content, /^## You\nWhat is a monad\?\n\n## Assistant\n/);
    assert.equal((await client.conversations.export(id, { format: 'json' })).content.title, 'Monads');
    assert.deepEqual(await client.conversations.delete(id), { id, deleted: true });
    await assert.rejects(client.conversations.get(id), (error) => error.code === -32602 && error.data.field === 'id');
  } finally {
    assert.equal(await client.close(), 0);
    fs.rmSync(data, { recursive: true, force: true });
  }
});
