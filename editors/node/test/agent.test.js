'use strict';
// Tests of agentRun and toolsList against editors/python/tests/fake_agent_daemon.py, a scripted
// daemon speaking agent.run's wire contract (its docstring lists the scenarios): deltas, tool.call
// notifications, the daemon's tool.approve and tool.execute requests and the client's answers,
// -32601 for requests nobody handles, and cancellation both ways. Skipped without python3.

const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const { Switchboard, SwitchboardError } = require('../switchboard');

const FAKE = path.join(__dirname, '..', '..', 'python', 'tests', 'fake_agent_daemon.py');
const python = (() => {
  try {
    execFileSync('python3', ['--version'], { stdio: 'ignore' });
    return 'python3';
  } catch {
    return null;
  }
})();
const skip = !python && 'python3 is not installed';

const runOf = (scenario) => ({
  messages: [{ role: 'user', content: scenario }],
  tools: [{ type: 'function', function: { name: 'read_file' } }],
});

async function collect(stream) {
  const pieces = [];
  for await (const piece of stream) pieces.push(piece);
  return pieces;
}

/** Runs `body` with a client of the fake daemon and checks that it closes cleanly afterwards. */
function withFake(body) {
  return async () => {
    const client = new Switchboard({ binary: python, args: [FAKE] });
    try {
      await body(client);
    } finally {
      assert.equal(await client.close(), 0);
    }
  };
}

test('callbacks answer the daemon\'s requests and see every tool call', { skip }, withFake(async (client) => {
  const approvals = [];
  const executions = [];
  const calls = [];
  const run = client.agentRun(runOf('TOOLS'), {
    onApprove: (params, { id, method, signal }) => {
      approvals.push({ params, id, method, aborted: signal.aborted });
      return params.server === 'time';
    },
    onExecute: async (params) => {
      executions.push(params);
      return 'line one\nline two';
    },
    onToolCall: (params) => calls.push(`${params.call_id} ${params.status}`),
  });
  assert.deepEqual(await collect(run), ['Let me look. ', 'Done.']);
  const result = await run.result;
  assert.equal(result.x_params.stream, true);
  assert.equal(result.x_params.tools[0].function.name, 'read_file');
  assert.deepEqual(approvals, [{
    params: { request_id: run.id, call_id: 'call_1', name: 'time__get_current_time', server: 'time', arguments: { timezone: 'Europe/Paris' } },
    id: 'sb-1', method: 'tool.approve', aborted: false,
  }]);
  assert.deepEqual(executions, [{ request_id: run.id, call_id: 'call_2', name: 'read_file', arguments: { path: 'notes.txt' } }]);
  assert.deepEqual(result.x_answers, {
    approve: { jsonrpc: '2.0', id: 'sb-1', result: { approved: true } },
    execute: { jsonrpc: '2.0', id: 'sb-2', result: { content: 'line one\nline two' } },
  });
  assert.deepEqual(calls, ['call_1 pending', 'call_1 running', 'call_1 completed', 'call_2 pending', 'call_2 running', 'call_2 completed']);
  assert.deepEqual(result.messages.map((m) => m.role), ['assistant', 'tool', 'tool', 'assistant']);
  assert.equal(result.turns, 2);
}));

test('a refusal and a failing tool are answers, not errors', { skip }, withFake(async (client) => {
  const result = await client.agentRun(runOf('TOOLS'), {
    onApprove: async () => false,
    onExecute: () => { throw new Error('notes.txt: no such file'); },
  }).result;
  assert.deepEqual(result.x_answers.approve.result, { approved: false });
  assert.deepEqual(result.x_answers.execute.result, { content: 'notes.txt: no such file', is_error: true });
  assert.equal(result.messages[1].content, 'denied: the user did not allow this call');
}));

test('content parts and whole answers go as given', { skip }, withFake(async (client) => {
  const parts = [{ type: 'text', text: 'a' }, { type: 'text', text: 'b' }];
  let result = await client.agentRun(runOf('TOOLS'), { onApprove: () => true, onExecute: () => parts }).result;
  assert.deepEqual(result.x_answers.execute.result, { content: parts });
  const answer = { content: 'partial output', is_error: true };
  result = await client.agentRun(runOf('TOOLS'), { onApprove: () => true, onExecute: () => answer }).result;
  assert.deepEqual(result.x_answers.execute.result, answer);
}));

test('without callbacks the requests are answered -32601', { skip }, withFake(async (client) => {
  const result = await client.agentRun(runOf('TOOLS')).result;
  for (const [key, callback] of [['approve', 'onApprove'], ['execute', 'onExecute']]) {
    assert.equal(result.x_answers[key].error.code, -32601);
    assert.match(result.x_answers[key].error.message, new RegExp(callback));
  }
}));

test('unknown requests and requests for no run are answered -32601', { skip }, withFake(async (client) => {
  const result = await client.agentRun(runOf('UNKNOWN'), { onExecute: () => 'never' }).result;
  assert.equal(result.x_answers.unknown.error.code, -32601);
  assert.deepEqual(result.x_answers.unknown.error.data, { method: 'tool.unknown' });
  assert.equal(result.x_answers.stray.error.code, -32601);
}));

test('the daemon\'s $/cancelRequest aborts the callback\'s signal and no answer is sent', { skip }, withFake(async (client) => {
  let aborted = false;
  const result = await client.agentRun(runOf('CANCEL'), {
    onExecute: (params, { signal }) => new Promise((resolve) => {
      const timer = setTimeout(resolve, 5000, 'too late');
      signal.addEventListener('abort', () => {
        aborted = true;
        clearTimeout(timer);
        resolve('cancelled');
      });
    }),
  }).result;
  assert.equal(aborted, true);
  assert.deepEqual(result.x_answers, { execute: null });
}));

test('leaving the stream cancels the run', { skip }, withFake(async (client) => {
  const run = client.agentRun(runOf('SLOW'));
  for await (const piece of run) {
    assert.equal(piece, 'Thinking');
    break;
  }
  await assert.rejects(run.result, (error) => error instanceof SwitchboardError && error.code === -32800);
  assert.deepEqual(await client.request('fake.cancels'), [run.id]);
}));

test('an aborted signal cancels the run', { skip }, withFake(async (client) => {
  const controller = new AbortController();
  const run = client.agentRun(runOf('SLOW'), { signal: controller.signal });
  setTimeout(() => controller.abort(), 200);
  await assert.rejects(run.result, (error) => error.code === -32800);
  assert.deepEqual(await client.request('fake.cancels'), [run.id]);
}));

test('toolsList sends its filters', { skip }, withFake(async (client) => {
  const listed = await client.toolsList({ mcpServers: ['time'], profile: 'local' });
  assert.deepEqual(listed.tools.map((tool) => tool.name), ['time__get_current_time']);
  assert.deepEqual(listed.x_params, { mcp_servers: ['time'], profile: 'local' });
  assert.deepEqual((await client.toolsList()).x_params, {});
}));
