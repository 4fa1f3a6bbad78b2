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
// The VS Code extension in ../vscode loads this same file (from here in a checkout; its packaging
// step copies it in). The wire protocol is specified in protocol/README.md.

const { spawn } = require('node:child_process');
const { EventEmitter } = require('node:events');
const path = require('node:path');

const REQUEST_CANCELLED = -32800;

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
// One request in flight

/**
 * A request in flight: `for await (const piece of call)` gives the text of its `chat.delta`
 * notifications (choice 0) in order, and throws the request's error at the end if it failed.
 * `result` is a promise of the response's result.
 */
class Call {
  constructor(client, id) {
    this.client = client;
    this.id = id;
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
    const call = new Call(this, id);
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
