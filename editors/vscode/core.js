'use strict';
// The extension's logic, kept free of the `vscode` module so that `node --test` can run it:
// settings, request params, error texts, ordered appends, and the session that owns the daemon.
// extension.js only wires these to VS Code's commands, editors and output channel.

const { Switchboard, ConnectionLost, REQUEST_CANCELLED } = require('./switchboard');

/** The extension's settings, read through `get(key, fallback)` (a WorkspaceConfiguration's get). */
function readSettings(get) {
  const text = (key, fallback) => String(get(key, fallback) ?? fallback).trim();
  return {
    path: text('path', 'switchboard') || 'switchboard',
    model: text('model', ''),
    profile: text('profile', ''),
    chatOutput: text('chatOutput', 'document') === 'outputChannel' ? 'outputChannel' : 'document',
  };
}

/** The prompt: the selected text when there is any, else what was typed; undefined for none. */
function chatPrompt(selection, typed) {
  for (const candidate of [selection, typed]) {
    if (typeof candidate === 'string' && candidate.trim()) return candidate.trim();
  }
  return undefined;
}

/** The settings that apply to every request: `profile` when set. */
function profileParams(settings) {
  return settings.profile ? { profile: settings.profile } : {};
}

/** `chat.complete` params for one user message, with the configured model and profile. */
function chatParams(prompt, settings) {
  const params = { messages: [{ role: 'user', content: prompt }], ...profileParams(settings) };
  if (settings.model) params.model = settings.model;
  return params;
}

/** `chat.describeImage` options (besides the image): the question when one was typed, the profile. */
function describeOptions(prompt, settings) {
  const options = profileParams(settings);
  if (prompt && prompt.trim()) options.prompt = prompt.trim();
  return options;
}

/** The Markdown that opens a chat document or output block, before the streamed answer. */
function chatHeader(prompt) {
  const quoted = prompt.split('\n').map((line) => `> ${line}`.trimEnd()).join('\n');
  return `${quoted}\n\n`;
}

function isCancellation(error) {
  return Boolean(error) && error.code === REQUEST_CANCELLED;
}

/** One line for an error message box or the end of an answer. */
function formatError(error, settings = { path: 'switchboard' }) {
  if (isCancellation(error)) return 'Switchboard: request cancelled.';
  if (error instanceof ConnectionLost) {
    const hint = /ENOENT/.test(error.message) ? ` Set "switchboard.path" to the daemon (now "${settings.path}").` : '';
    return `Switchboard: ${error.message}.${hint}`;
  }
  if (error && typeof error.code === 'number') {
    const message = error.rpcMessage || error.message;
    const status = error.data && error.data.status;
    const shown = status && !message.includes(String(status)) ? `, HTTP ${status}` : '';
    return `Switchboard error ${error.code}${shown}: ${message}`;
  }
  return `Switchboard: ${error && error.message ? error.message : String(error)}`;
}

/**
 * Serialises asynchronous writes so that pieces land in order: `append(text)` queues text, and
 * text that arrives while a write is running is joined into the next one. `flushed()` resolves
 * once everything queued is written. A failing write (a closed document) drops the rest.
 */
function orderedAppender(write) {
  let pending = '';
  let running = Promise.resolve();
  let failed = false;
  const drain = async () => {
    while (pending && !failed) {
      const text = pending;
      pending = '';
      try {
        await write(text);
      } catch {
        failed = true;
      }
    }
  };
  return {
    append(text) {
      if (!text || failed) return;
      const idle = pending === '';
      pending += text;
      if (idle) running = running.then(drain);
    },
    flushed: () => running,
  };
}

/**
 * Owns one daemon process, started on first use and restarted when `switchboard.path` changes
 * or the daemon has gone; tracks the requests in flight so that they can be cancelled.
 */
class Session {
  constructor(settings, { log = () => {}, createClient = (options) => new Switchboard(options) } = {}) {
    this.settings = settings;
    this.log = log;
    this.createClient = createClient;
    this.current = null;
    this.active = new Set();
  }

  client() {
    const { path } = this.settings();
    if (this.current && !this.current.lost && this.current.binary === path) return this.current;
    if (this.current) this.current.close().catch(() => {});
    this.current = this.createClient({ binary: path, stderr: 'pipe' });
    this.current.on('stderr', this.log);
    return this.current;
  }

  async track(call, onPiece) {
    this.active.add(call);
    try {
      for await (const piece of call) onPiece(piece);
      return await call.result;
    } finally {
      this.active.delete(call);
    }
  }

  /** Streams the answer to `prompt` into `onPiece`; resolves to the `chat.completion`. */
  chat(prompt, onPiece) {
    return this.track(this.client().streamChat(chatParams(prompt, this.settings())), onPiece);
  }

  /** Streams the description of the image at `path` into `onPiece`; resolves to `{text, completion}`. */
  describeImage(path, prompt, onPiece) {
    const options = { ...describeOptions(prompt, this.settings()), stream: true };
    return this.track(this.client().describeImageCall(path, options), onPiece);
  }

  /** Cancels every request in flight; returns how many there were. */
  cancelAll() {
    for (const call of this.active) call.cancel();
    return this.active.size;
  }

  /** Shuts the daemon down; resolves to its exit code (undefined when none was running). */
  async dispose() {
    const client = this.current;
    this.current = null;
    return client ? client.close() : undefined;
  }
}

module.exports = {
  readSettings, chatPrompt, chatParams, describeOptions, chatHeader, isCancellation, formatError, orderedAppender, Session,
};
