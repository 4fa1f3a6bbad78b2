'use strict';
// A Node.js client for the Switchboard daemon (JSON-RPC 2.0 over stdin/stdout), with no packages.
//
//   const { Switchboard } = require('./switchboard');
//   const sb = new Switchboard({ binary: 'switchboard' });
//   const stream = sb.streamChat({ messages: [{ role: 'user', content: 'Write a haiku' }] });
//   for await (const piece of stream) process.stdout.write(piece);
//   console.log((await stream.result).usage);
//   await sb.close();   // optional: a script that never calls it still exits when its work is done
//
// Requests from the daemon (tool.approve and tool.execute during agentRun) go to the agent run they
// name, whose callbacks answer them; any other is answered -32601.
//
// The VS Code extension in ../vscode loads this same file (from here in a checkout; its packaging
// step copies it in). The wire protocol is specified in protocol/README.md.

const { spawn } = require('node:child_process');
const { EventEmitter } = require('node:events');
const path = require('node:path');

const REQUEST_CANCELLED = -32800;
const METHOD_NOT_FOUND = -32601;

/** A JSON-RPC error response: `code`, `message` and the structured `data`. */
class SwitchboardError extends Error {
  constructor(code, message, data) {
    super(code === null || code === undefined ? message : `${message} (${code})`);
    this.name = 'SwitchboardError';
    this.code = code;
    this.rpcMessage = message;
    this.data = data;
  }

  static fromError(error) {
    return new SwitchboardError(error.code, error.message || '', error.data);
  }

  /** The text produced before a stream failed or was cancelled (`data.partial`), or undefined. */
  get partialText() {
    const partial = (this.data && this.data.partial) || {};
    const choice = (partial.choices || [])[0] || {};
    return (choice.message || {}).content ?? undefined;
  }
}

/** The daemon went away (it exited, or could not be started) before answering. */
class ConnectionLost extends SwitchboardError {
  constructor(message, exitCode) {
    super(null, message, { exit_code: exitCode });
    this.name = 'ConnectionLost';
  }
}

// ---------------------------------------------------------------------------------------------
// Framing

function encode(message, framing) {
  const body = Buffer.from(JSON.stringify(message), 'utf8');
  if (framing === 'lsp') return Buffer.concat([Buffer.from(`Content-Length: ${body.length}\r\n\r\n`), body]);
  return Buffer.concat([body, Buffer.from('\n')]);
}

/** Splits a byte stream into messages in either framing (detected per message, as the daemon does). */
class MessageReader {
  constructor() {
    this.buffer = Buffer.alloc(0);
  }

  /** Adds bytes; returns the messages now complete. Throws on malformed input. */
  push(chunk) {
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
    const messages = [];
    for (let message; (message = this.next()) !== undefined;) messages.push(message);
    return messages;
  }

  next() {
    let start = 0;
    while (start < this.buffer.length && /\s/.test(String.fromCharCode(this.buffer[start]))) start++;
    if (start === this.buffer.length) {
      this.buffer = Buffer.alloc(0);
      return undefined;
    }
    const first = String.fromCharCode(this.buffer[start]);
    if (!/[A-Za-z]/.test(first)) {
      const end = this.buffer.indexOf(10, start);
      if (end < 0) return undefined;
      const line = this.buffer.subarray(start, end).toString('utf8');
      this.buffer = this.buffer.subarray(end + 1);
      return JSON.parse(line);
    }
    const headerEnd = this.buffer.indexOf('\r\n\r\n', start);
    if (headerEnd < 0) return undefined;
    const headers = this.buffer.subarray(start, headerEnd).toString('latin1');
    const match = /^content-length\s*:\s*(\d+)\s*$/im.exec(headers);
    if (!match) throw new Error('an LSP header block without Content-Length');
    const bodyStart = headerEnd + 4;
    const bodyEnd = bodyStart + Number(match[1]);
    if (this.buffer.length < bodyEnd) return undefined;
    const body = this.buffer.subarray(bodyStart, bodyEnd).toString('utf8');
    this.buffer = this.buffer.subarray(bodyEnd);
    return JSON.parse(body);
  }
}

// ---------------------------------------------------------------------------------------------
// The daemon's requests during an agent run

function methodNotFound(method, reason) {
  return { code: METHOD_NOT_FOUND, message: `${method}: ${reason}`, data: { method } };
}

/** The result answering `method` for what its callback returned, or for the error it threw. */
function toolAnswer(method, value, failed) {
  if (method === 'tool.approve') return { approved: !failed && Boolean(value) };
  if (failed) return { content: (value && value.message) || String(value), is_error: true };
  if (typeof value === 'string' || Array.isArray(value)) return { content: value };
  if (value && typeof value === 'object' && 'content' in value) return { ...value };
  return { content: JSON.stringify(value ?? null) };
}

/**
 * An agent run's callbacks: they answer the daemon's tool.approve and tool.execute requests and
 * see its tool.call notifications. A request without its callback is answered -32601.
 */
class ToolHandlers {
  constructor({ onApprove, onExecute, onToolCall }) {
    this.callbacks = {
      'tool.approve': [onApprove, 'no onApprove callback was given'],
      'tool.execute': [onExecute, 'no onExecute callback was given'],
    };
    this.onToolCall = onToolCall;
  }

  /** Runs the request's callback and answers, unless the daemon cancels it (`signal` aborts) first. */
  async serve(client, message, signal) {
    const [callback, reason] = this.callbacks[message.method] || [undefined, 'not a request of agent.run'];
    if (!callback) {
      client.answer(message.id, undefined, methodNotFound(message.method, reason));
      return;
    }
    let value;
    let failed = false;
    try {
      value = await callback(message.params || {}, { signal, id: message.id, method: message.method });
    } catch (error) {
      value = error;
      failed = true;
    }
    if (!signal.aborted) client.answer(message.id, toolAnswer(message.method, value, failed));
  }

  notification(message) {
    if (message.method === 'tool.call' && this.onToolCall) this.onToolCall(message.params || {});
  }
}

// ---------------------------------------------------------------------------------------------
// One request in flight

/**
 * A request in flight: `for await (const piece of call)` gives the text of its `chat.delta`
 * notifications (choice 0) in order, and throws the request's error at the end if it failed.
 * `result` is a promise of the response's result.
 */
class Call {
  constructor(client, id, tools = null) {
    this.client = client;
    this.id = id;
    this.tools = tools;
    this.pieces = [];
    this.wake = null;
    this.done = false;
    this.result = new Promise((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    // Iterating without awaiting `result` must not report an unhandled rejection.
    this.result.catch(() => {});
  }

  notification(message) {
    if (this.tools) this.tools.notification(message);
    const params = message.params || {};
    if (message.method !== 'chat.delta' || (params.index ?? 0) !== 0) return;
    const content = params.delta && params.delta.content;
    if (content) this.pieces.push(content);
    this.signal();
  }

  finish(error, result) {
    this.done = true;
    if (error) this.reject(error);
    else this.resolve(result);
    this.signal();
  }

  signal() {
    const wake = this.wake;
    this.wake = null;
    if (wake) wake();
  }

  async *[Symbol.asyncIterator]() {
    try {
      for (;;) {
        if (this.pieces.length) {
          yield this.pieces.shift();
        } else if (this.done) {
          await this.result;
          return;
        } else {
          await new Promise((resolve) => { this.wake = resolve; });
        }
      }
    } finally {
      // Leaving the loop early (break, return, a throw in its body) cancels the request, so that
      // the upstream stops streaming too.
      if (!this.done) this.cancel();
    }
  }

  cancel() {
    this.client.cancel(this.id);
  }
}

// ---------------------------------------------------------------------------------------------
// The client

function absoluteImage(image) {
  // The daemon resolves relative paths against its own working directory.
  return image.includes('://') || image.startsWith('data:') ? image : path.resolve(image);
}

/**
 * Spawns the daemon and speaks JSON-RPC with it. Emits `notification` ({method, params}) for every
 * notification, an event named after each notification's method (with its params), `stderr`
 * (text) when `stderr: 'pipe'`, and `exit` (code, signal).
 */
/**
 * `options.signal` of a call, taken out of `params` too (an AbortSignal there would otherwise be
 * sent along as a field of the request, and chat.complete passes unknown fields upstream).
 */
function splitSignal(params, options) {
  if (params && typeof params === 'object' && params.signal instanceof AbortSignal) {
    const { signal, ...rest } = params;
    return [rest, (options && options.signal) || signal];
  }
  return [params, options && options.signal];
}

/**
 * The stored conversations (`conversations.*`; see protocol/README.md, Conversations), as
 * `client.conversations`: each method resolves to the method's result. A chat turn joins a
 * conversation through its params: `client.request('chat.complete', { conversation_id: 'new',
 * messages })`, whose result carries `conversation_id`.
 */
class Conversations {
  constructor(client) {
    this.client = client;
  }

  /** `{conversations: [{id, title, created_at, updated_at, model, message_count}]}`, most recent
   * first; `before` is the last id of the previous page. */
  list({ limit, before } = {}) {
    return this.client.request('conversations.list', present({ limit, before }));
  }

  /** The conversation's summary fields and `messages`. */
  get(id) {
    return this.client.request('conversations.get', { id });
  }

  /** `{results: [{conversation_id, title, updated_at, message_index, role, snippet}]}`. */
  search(query, { limit } = {}) {
    return this.client.request('conversations.search', present({ query, limit }));
  }

  /** A new conversation with the first `at` messages of `id` (all by default). */
  fork(id, { at } = {}) {
    return this.client.request('conversations.fork', present({ id, at }));
  }

  rename(id, title) {
    return this.client.request('conversations.rename', { id, title });
  }

  delete(id) {
    return this.client.request('conversations.delete', { id });
  }

  /** `{id, format, content}`: Markdown in the editors' chat format, or the JSON object. */
  export(id, { format = 'markdown' } = {}) {
    return this.client.request('conversations.export', { id, format });
  }
}

/** The params that were given (undefined means left out). */
function present(params) {
  return Object.fromEntries(Object.entries(params).filter(([, value]) => value !== undefined));
}

class Switchboard extends EventEmitter {
  constructor({ binary = 'switchboard', args = [], env = undefined, framing = 'ndjson', stderr = 'inherit', closeTimeout = 5000 } = {}) {
    super();
    if (framing !== 'ndjson' && framing !== 'lsp') throw new Error("framing must be 'ndjson' or 'lsp'");
    this.binary = binary;
    this.framing = framing;
    this.closeTimeout = closeTimeout;
    this.nextId = 1;
    this.calls = new Map();
    this.served = new Map(); // the daemon's requests not answered yet: its id -> AbortController
    this.lost = null;
    this.exitCode = null;
    this.reader = new MessageReader();
    this.process = spawn(binary, args, { env: { ...process.env, ...(env || {}) }, stdio: ['pipe', 'pipe', stderr] });
    this.exitWaiters = false;
    this.exitedPromise = new Promise((resolve) => {
      this.process.on('error', (error) => this.connectionLost(`cannot run ${binary}: ${error.message}`));
      this.process.on('close', (code, signal) => {
        this.exitCode = code;
        this.connectionLost(`the daemon exited (exit code ${code}${signal ? `, ${signal}` : ''})`);
        this.emit('exit', code, signal);
        resolve(code);
      });
    });
    this.process.stdin.on('error', () => {}); // EPIPE after the daemon died: reported by 'close'
    this.process.stdout.on('data', (chunk) => this.receive(chunk));
    if (this.process.stderr) this.process.stderr.on('data', (chunk) => this.emit('stderr', chunk.toString('utf8')));
    this.holdEventLoop(false);
  }

  /**
   * The daemon keeps Node's event loop alive only while requests are in flight: a script that
   * never calls close() exits when its work is done (its end closes the daemon's stdin, and the
   * daemon exits on that).
   */
  holdEventLoop(hold) {
    hold = hold || this.exitWaiters;
    for (const handle of [this.process, this.process.stdin, this.process.stdout, this.process.stderr]) {
      if (handle && typeof handle.ref === 'function') {
        if (hold) handle.ref();
        else handle.unref();
      }
    }
  }

  /** A promise of the daemon's exit code; asking for it keeps Node running until the daemon exits. */
  get exited() {
    this.exitWaiters = true;
    this.holdEventLoop(true);
    return this.exitedPromise;
  }

  track(id, call) {
    this.calls.set(id, call);
    if (this.calls.size === 1) this.holdEventLoop(true);
  }

  untrack(id) {
    if (this.calls.delete(id) && this.calls.size === 0) this.holdEventLoop(false);
  }

  write(message) {
    if (this.lost) throw this.lost;
    this.process.stdin.write(encode(message, this.framing));
  }

  receive(chunk) {
    let messages;
    try {
      messages = this.reader.push(chunk);
    } catch (error) {
      this.connectionLost(`unreadable output from the daemon: ${error.message}`);
      this.process.kill();
      return;
    }
    for (const message of messages.flat()) this.dispatch(message);
  }

  dispatch(message) {
    if (message.method !== undefined && (typeof message.id === 'string' || typeof message.id === 'number')) {
      this.serve(message);
      return;
    }
    if (message.method === '$/cancelRequest') this.cancelServed((message.params || {}).id);
    if (message.method === undefined) {
      const call = this.calls.get(message.id);
      if (!call) return;
      this.untrack(message.id);
      if (message.error) call.finish(SwitchboardError.fromError(message.error));
      else call.finish(null, message.result);
      return;
    }
    const call = this.calls.get((message.params || {}).request_id);
    if (call) call.notification(message);
    this.emit('notification', { method: message.method, params: message.params });
    this.emit(message.method, message.params);
  }

  /** A request from the daemon: served by the agent run it names, else answered -32601 at once. */
  serve(message) {
    const controller = new AbortController();
    this.served.set(message.id, controller);
    const call = this.calls.get((message.params || {}).request_id);
    if (call && call.tools) {
      call.tools.serve(this, message, controller.signal);
    } else {
      this.answer(message.id, undefined, methodNotFound(message.method, 'this client has no handler for it'));
    }
  }

  /** The daemon's `$/cancelRequest` for one of its requests: its callback's signal aborts, and no answer is sent. */
  cancelServed(id) {
    const controller = this.served.get(id);
    if (!controller) return;
    this.served.delete(id);
    controller.abort();
  }

  /** Answers a request of the daemon's (unless it was cancelled or already answered). */
  answer(id, result, error) {
    if (!this.served.delete(id) || this.lost) return;
    this.write(error ? { jsonrpc: '2.0', id, error } : { jsonrpc: '2.0', id, result });
  }

  connectionLost(reason) {
    if (!this.lost) this.lost = new ConnectionLost(reason, this.exitCode);
    for (const call of this.calls.values()) call.finish(this.lost);
    this.calls.clear();
    this.holdEventLoop(false);
  }

  /**
   * Sends a request and returns its `Call` at once (iterate it for streamed pieces).
   * `options.signal`, an AbortSignal, cancels the request when it aborts (the call then fails with
   * -32800); it stays in this process and is never sent.
   */
  call(method, params, options = {}) {
    const [sent, signal] = splitSignal(params, options);
    const id = this.nextId++;
    const call = new Call(this, id, options.tools || null);
    if (signal && signal.aborted) {
      call.finish(new SwitchboardError(REQUEST_CANCELLED, 'request cancelled: the signal was aborted', { reason: 'aborted' }));
      return call;
    }
    const message = { jsonrpc: '2.0', id, method };
    if (sent !== undefined && sent !== null) message.params = sent;
    try {
      this.write(message);
      this.track(id, call);
    } catch (error) {
      call.finish(error);
      return call;
    }
    if (signal) {
      const abort = () => call.cancel();
      signal.addEventListener('abort', abort, { once: true });
      call.result.then(() => signal.removeEventListener('abort', abort), () => signal.removeEventListener('abort', abort));
    }
    return call;
  }

  /** Sends a request; resolves to its result or rejects with a SwitchboardError (`options.signal`: see call). */
  request(method, params, options = {}) {
    return this.call(method, params, options).result;
  }

  notify(method, params) {
    const message = { jsonrpc: '2.0', method };
    if (params !== undefined && params !== null) message.params = params;
    this.write(message);
  }

  /** Sends `$/cancelRequest`: the request then fails with -32800 (unless it had finished). */
  cancel(id) {
    if (!this.lost) this.notify('$/cancelRequest', { id });
  }

  /** The stored conversations: `await client.conversations.list()`, `.search('monad')`, … */
  get conversations() {
    return new Conversations(this);
  }

  /** `initialize` (optional; first if sent) with `config` as a configuration layer. */
  async initialize({ config, clientInfo } = {}) {
    const params = { client_info: clientInfo || { name: 'switchboard.js', version: '1' } };
    if (config) params.config = config;
    const result = await this.request('initialize', params);
    this.notify('initialized');
    return result;
  }

  /** `chat.complete` with `stream: true`; iterate the returned call for the text pieces
   * (`options.signal`: see call). */
  streamChat(params, options = {}) {
    const [sent, signal] = splitSignal(params, options);
    return this.call('chat.complete', { ...sent, stream: true }, { signal });
  }

  /**
   * `agent.run` (streamed unless `params.stream` is false): iterate the returned call for the text of
   * every turn; `result` is the run's result (the last chat.completion plus `messages`, `turns`,
   * `usage`). `onApprove(params, {signal, id})` answers tool.approve (truthy: approved; a throw or
   * rejection: denied); `onExecute(params, {signal, id})` runs a client tool and returns its output
   * (a string, content parts, or `{content, is_error}`; a throw: the call fails with its message);
   * both may return promises, and `signal` aborts when the daemon cancels the request (no answer is
   * then sent). `onToolCall(params)` sees each tool.call. Without onApprove/onExecute those requests
   * are answered -32601. `options.signal`: see call.
   */
  agentRun(params, { onApprove, onExecute, onToolCall, signal } = {}) {
    const [sent, ownSignal] = splitSignal(params, { signal });
    const tools = new ToolHandlers({ onApprove, onExecute, onToolCall });
    return this.call('agent.run', { stream: true, ...sent }, { signal: ownSignal, tools });
  }

  /** `tools.list`: `{tools, servers}`, the MCP tools as agent.run offers them and each server's status. */
  toolsList({ mcpServers, profile, signal } = {}) {
    const params = {};
    if (mcpServers !== undefined) params.mcp_servers = mcpServers;
    if (profile !== undefined) params.profile = profile;
    return this.request('tools.list', params, { signal });
  }

  /** `chat.describeImage` for one image (path or URL) as a `Call`: cancellable, and iterable for
   * the text pieces when `options.stream` is true. */
  describeImageCall(image, options = {}) {
    const [sent, signal] = splitSignal(options, {});
    return this.call('chat.describeImage', { ...sent, image: absoluteImage(String(image)) }, { signal });
  }

  /** `chat.describeImage` for one image (path or URL); resolves to `{text, completion}`. */
  describeImage(image, options = {}) {
    return this.describeImageCall(image, options).result;
  }

  /** shutdown + exit, then waits for the daemon (killing it after `timeout` ms). Resolves to its exit code. */
  async close(timeout = this.closeTimeout) {
    let timer;
    const expired = new Promise((resolve) => { timer = setTimeout(resolve, timeout, 'timeout'); });
    try {
      if (!this.lost) {
        const shutdown = this.request('shutdown').then(() => this.notify('exit'), () => {});
        await Promise.race([shutdown, expired]);
      }
      if (!this.lost) this.process.stdin.end();
      if ((await Promise.race([this.exited, expired])) === 'timeout') this.process.kill('SIGKILL');
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }
}

module.exports = { Switchboard, SwitchboardError, ConnectionLost, Call, Conversations, MessageReader, REQUEST_CANCELLED };
