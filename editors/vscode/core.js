'use strict';
// The extension's logic, kept free of the `vscode` module so that `node --test` can run it:
// settings, request params, error texts, ordered appends, offsets that follow edits, and the
// session that owns the daemon. extension.js, chat.js and rewrite.js wire these to VS Code.

const { Switchboard, ConnectionLost, REQUEST_CANCELLED } = require('./client');

const SYSTEM_REWRITE = 'You rewrite text as instructed. Reply with the rewritten text only, in a single fenced code block, without explanation.';
const SYSTEM_INSERT = 'Your answer is inserted into the file at the cursor. Reply with the text to insert only: no explanation, no code fences.';

/** The extension's settings, read through `get(key, fallback)` (a WorkspaceConfiguration's get). */
function readSettings(get) {
  const text = (key, fallback = '') => String(get(key, fallback) ?? fallback).trim();
  const presets = get('presets', {});
  return {
    path: text('path', 'switchboard') || 'switchboard',
    baseUrl: text('baseUrl'),
    model: text('model'),
    visionModel: text('visionModel'),
    profile: text('profile'),
    tools: ['auto', 'on', 'off'].includes(text('tools', 'auto')) ? text('tools', 'auto') : 'auto',
    store: get('store', true) !== false,
    systemPrompt: text('systemPrompt'),
    presets: presets && typeof presets === 'object' ? presets : {},
  };
}

/** The configuration layer sent with `initialize`: the base URL and the key, when set. */
function daemonConfig(settings, apiKey) {
  const config = {};
  if (settings.baseUrl) config.base_url = settings.baseUrl;
  if (apiKey) config.api_key = apiKey;
  return config;
}

/** `chat.complete` params: the messages, the model (given, else the settings'), the profile. */
function requestParams(messages, settings, model) {
  const params = { messages };
  const chosen = model || settings.model;
  if (chosen) params.model = chosen;
  if (settings.profile) params.profile = settings.profile;
  return params;
}

/** The messages of a rewrite of `selection` (in `language`, from `file`) per `instruction`. */
function rewriteMessages(instruction, selection, file, language, fenced) {
  return [
    { role: 'system', content: SYSTEM_REWRITE },
    { role: 'user', content: `${instruction}\n\n${fenced(`File: ${file}`, selection, language)}` },
  ];
}

/** `proposal` ending in a newline when the text it replaces did (models drop the last one). */
function fitProposal(original, proposal) {
  return original.endsWith('\n') && !proposal.endsWith('\n') ? `${proposal}\n` : proposal;
}

/** The messages of an answer to insert at the cursor. */
function insertMessages(prompt) {
  return [{ role: 'system', content: SYSTEM_INSERT }, { role: 'user', content: prompt }];
}

const NOT_CHAT = /embed|whisper|tts|dall-e|moderation|transcribe|davinci|babbage|gpt-image/i;

/** The chat model ids of a models.list result. */
function chatModels(result) {
  return ((result && result.data) || []).map((model) => model.id).filter((id) => typeof id === 'string' && !NOT_CHAT.test(id));
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
 * Serialises asynchronous writes so that they land in order: `append(text)` queues text, and
 * text that arrives while a write is running is joined into the next one; `queue(run)` queues
 * another write (`run()`, async) after the text queued so far. `flushed()` resolves once
 * everything queued is written. A failing write (a closed document) drops the rest.
 */
function orderedAppender(write) {
  const jobs = []; // {text} or {run}
  let running = null;
  let failed = false;
  const drain = async () => {
    while (jobs.length && !failed) {
      const job = jobs.shift();
      try {
        await (job.run ? job.run() : write(job.text));
      } catch {
        failed = true;
      }
    }
    running = null;
  };
  // the drain starts after the current task, so that pieces given together are written together
  const start = () => {
    if (!running) running = Promise.resolve().then(drain);
  };
  return {
    append(text) {
      if (!text || failed) return;
      const last = jobs[jobs.length - 1];
      if (last && last.run === undefined) last.text += text;
      else jobs.push({ text });
      start();
    },
    queue(run) {
      if (failed) return;
      jobs.push({ run });
      start();
    },
    flushed: () => running || Promise.resolve(),
  };
}

/** The preview of an answer being written at the cursor: its end, on one line. */
function previewText(answer, width = 100) {
  const flat = answer.replace(/\n/g, ' ⏎ ');
  return `⟳ ${flat.length > width ? `…${flat.slice(-width)}` : flat}`;
}

/**
 * `offset` after the document changes `changes` ({rangeOffset, rangeLength, text}) made by
 * someone else: moved by the text inserted or removed before it, kept after a change at it.
 */
function shiftOffset(offset, changes) {
  let moved = offset;
  for (const change of changes) {
    if (change.rangeOffset + change.rangeLength <= offset && change.rangeOffset < offset) {
      moved += change.text.length - change.rangeLength;
    } else if (change.rangeOffset < offset) {
      moved = change.rangeOffset + change.text.length; // the point itself was replaced
    }
  }
  return moved;
}

/**
 * Owns one daemon process, started on first use and restarted when the daemon's path, base URL
 * or key change (or it has gone); tracks the requests in flight so that they can be cancelled.
 * `onBusy(busy)` runs whenever the first request starts or the last one ends;
 * `onConversationChanged(id)` when the daemon says another process changed a stored conversation.
 */
class Session {
  constructor(settings, { log = () => {}, apiKey = () => '', onBusy = () => {}, onConversationChanged = () => {}, createClient = (options) => new Switchboard(options) } = {}) {
    this.settings = settings;
    this.apiKey = apiKey;
    this.log = log;
    this.onBusy = onBusy;
    this.onConversationChanged = onConversationChanged;
    this.createClient = createClient;
    this.current = null;
    this.identity = null;
    this.active = new Set();
  }

  /** The running client, (re)started when needed; resolves once `initialize` has been answered. */
  async client() {
    const settings = this.settings();
    const config = daemonConfig(settings, await this.apiKey());
    const identity = JSON.stringify([settings.path, config]);
    if (this.current && !this.current.lost && this.identity === identity) {
      await this.ready;
      return this.current;
    }
    this.restart();
    const client = this.createClient({ binary: settings.path, stderr: 'pipe' });
    client.on('stderr', this.log);
    client.on('conversations.changed', (params) => this.onConversationChanged((params || {}).id));
    this.current = client;
    this.identity = identity;
    this.ready = client.initialize({ config, clientInfo: { name: 'switchboard-vscode', version: '0.2.0' } });
    await this.ready;
    return client;
  }

  /** Stops the daemon; the next request starts a new one. */
  restart() {
    if (this.current) this.current.close().catch(() => {});
    this.current = null;
    this.identity = null;
  }

  /**
   * Streams `chat.complete` with `params`, each piece to `onPiece`; resolves to the completion.
   * `onCall(call)` gets the request at once (`call.cancel()` cancels it alone). With `agent`
   * ({onApprove, onExecute, onToolCall}, see the Node client's agentRun) it is an `agent.run`
   * whose tool requests those callbacks answer.
   */
  async stream(params, onPiece, onCall = () => {}, agent = null) {
    const client = await this.client();
    const call = agent ? client.agentRun(params, agent) : client.streamChat(params);
    onCall(call);
    this.active.add(call);
    if (this.active.size === 1) this.onBusy(true);
    try {
      for await (const piece of call) onPiece(piece);
      return await call.result;
    } finally {
      this.active.delete(call);
      if (this.active.size === 0) this.onBusy(false);
    }
  }

  /**
   * Whether the daemon has MCP servers that are not disabled (tools.list, asked once per daemon
   * process): what the `tools` setting "auto" goes by.
   */
  async hasServers() {
    const client = await this.client();
    if (this.servers === undefined || this.servers.client !== client) {
      const asked = this.request('tools.list', {}).then(
        (result) => ((result && result.servers) || []).some((server) => server.status !== 'disabled'),
        () => false,
      );
      this.servers = { client, asked };
    }
    return this.servers.asked;
  }

  /** A request's result (models.list, config.get, ...). */
  async request(method, params) {
    return (await this.client()).request(method, params);
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

/** The lines of the health report: the daemon, its configuration, the upstream's models. */
async function healthReport(session) {
  const lines = [];
  try {
    const client = await session.client();
    lines.push(`OK: daemon started: ${client.binary}`);
    const config = await session.request('config.get', {});
    lines.push(`INFO: base_url: ${config.base_url}`);
    lines.push(config.api_key !== undefined || config.api_key_command !== undefined ? 'OK: API key: set' : 'WARNING: API key: not set (Switchboard: Set API Key, or OPENAI_API_KEY)');
  } catch (error) {
    return [...lines, `ERROR: ${formatError(error, session.settings())}`];
  }
  try {
    const result = await session.request('models.list', {});
    const chat = chatModels(result);
    lines.push(`OK: the upstream answered models.list: ${(result.data || []).length} models, ${chat.length} for chat: ${chat.join(', ')}`);
  } catch (error) {
    lines.push(`ERROR: models.list failed: ${formatError(error)}; check the base URL (it usually ends in /v1), the key, the network`);
  }
  return lines;
}

module.exports = {
  readSettings, daemonConfig, requestParams, rewriteMessages, fitProposal, insertMessages, chatModels, isCancellation, formatError,
  orderedAppender, previewText, shiftOffset, Session, healthReport,
};
