'use strict';
// Chat documents: Markdown files holding a conversation (see conversation.js), kept in the
// extension's storage (or any .md file you open). You type under the last "## You" and send with
// Ctrl+Enter; the answer streams in under "## Assistant"; a chat in the storage is saved after
// each answer, so it is never left dirty and "Switchboard: Open Chat" finds it again.
// A chat is also a stored conversation of the daemon (conversation_id), which "Open
// Conversation…" reopens from any editor; with tools on (agent.js) it runs through agent.run and
// each tool call is recorded in the answer ("> [tool] …" lines, updated as its status changes).

const vscode = require('vscode');
const fs = require('node:fs');
const path = require('node:path');
const conversation = require('./conversation');
const core = require('./core');

const isChat = (document) => Boolean(document) && document.languageId === 'markdown' && conversation.isConversation(document.getText());

const STORE_UNUSABLE = -32008;

class Chats {
  /** `agent`: an Agent (agent.js), for chats with tools. */
  constructor(storage, session, settings, agent = null) {
    this.dir = path.join(storage, 'chats');
    this.session = session;
    this.settings = settings;
    this.agent = agent;
    this.models = new Map(); // chat file -> the model of its preset
    this.streaming = new Map(); // chat URI -> the call streaming its answer
    this.usage = new Map(); // chat URI -> [{line, note}]: the tokens of each answer, by its heading
    this.usageType = vscode.window.createTextEditorDecorationType({ after: { margin: '0 0 0 2em', color: new vscode.ThemeColor('editorCodeLens.foreground') } });
    this.storeUnusable = false;
    this.last = null;
  }

  /** chat file -> the stored conversation it continues, kept beside the chats. */
  conversations() {
    try {
      return JSON.parse(fs.readFileSync(path.join(this.dir, 'conversations.json'), 'utf8'));
    } catch {
      return {};
    }
  }

  /** The stored conversation chat `document` continues, or undefined. */
  conversationOf(document) {
    return this.conversations()[document.uri.fsPath];
  }

  /** Makes chat `document` continue the stored conversation `id` (undefined: none). */
  setConversation(document, id) {
    const all = this.conversations();
    if (all[document.uri.fsPath] === id) return;
    if (id === undefined) delete all[document.uri.fsPath];
    else all[document.uri.fsPath] = id;
    fs.mkdirSync(this.dir, { recursive: true });
    fs.writeFileSync(path.join(this.dir, 'conversations.json'), `${JSON.stringify(all, null, 1)}\n`);
  }

  /** Tells the user of each open chat continuing stored conversation `id` that it changed elsewhere. */
  conversationChanged(id) {
    for (const [file, continued] of Object.entries(this.conversations())) {
      if (continued !== id) continue;
      const open = vscode.workspace.textDocuments.find((document) => document.uri.fsPath === file && !document.isClosed);
      if (open) vscode.window.showWarningMessage(`Switchboard: ${path.basename(file)}: its conversation changed elsewhere (another editor or script); "Open Conversation…" opens it as it is now.`);
    }
  }

  /** Whether chats are kept in the conversation store (the setting, unless the daemon said it cannot). */
  storing() {
    return this.settings().store && !this.storeUnusable;
  }

  /** A new chat file holding `text` (default: a fresh chat), shown. */
  async createWith(text, model) {
    fs.mkdirSync(this.dir, { recursive: true });
    let file = path.join(this.dir, `chat-${new Date().toISOString().replace(/[:.]/g, '-')}.md`);
    for (let n = 2; fs.existsSync(file); n++) file = file.replace(/(-\d+)?\.md$/, `-${n}.md`);
    fs.writeFileSync(file, text);
    if (model) this.models.set(file, model);
    return this.show(await vscode.workspace.openTextDocument(vscode.Uri.file(file)));
  }

  /** A new chat file with the system prompt of preset `name` (or the setting), shown. */
  async create(name) {
    const preset = name ? this.settings().presets[name] || {} : {};
    return this.createWith(conversation.fresh(preset.system || this.settings().systemPrompt), preset.model);
  }

  /** Stored conversation `id` (conversations.get) opened as a new chat that continues it. */
  async openStored(id) {
    const stored = await this.session.request('conversations.get', { id });
    const editor = await this.createWith(conversation.render(stored.messages || []));
    this.setConversation(editor.document, id);
    return editor;
  }

  async show(document) {
    this.last = document;
    const editor = await vscode.window.showTextDocument(document, { viewColumn: vscode.ViewColumn.Beside, preserveFocus: false });
    const end = document.positionAt(document.getText().length);
    editor.selection = new vscode.Selection(end, end);
    this.showUsage(document);
    return editor;
  }

  /** Shows the tokens of each answer of `document` after its "## Assistant" heading. */
  showUsage(document) {
    const notes = this.usage.get(document.uri.toString()) || [];
    const decorations = notes.map(({ line, note }) => ({ range: new vscode.Range(line, 12, line, 12), renderOptions: { after: { contentText: note } } }));
    for (const editor of vscode.window.visibleTextEditors) {
      if (editor.document === document) editor.setDecorations(this.usageType, decorations);
    }
  }

  /** The chat in use: the active one, the last one, the newest saved one, or a new one. */
  async current() {
    const active = vscode.window.activeTextEditor;
    if (active && isChat(active.document)) return active;
    if (this.last && !this.last.isClosed) return this.show(this.last);
    const saved = fs.existsSync(this.dir) ? fs.readdirSync(this.dir).filter((f) => f.endsWith('.md')).sort() : [];
    if (saved.length) return this.show(await vscode.workspace.openTextDocument(vscode.Uri.file(path.join(this.dir, saved[saved.length - 1]))));
    return this.create();
  }

  /** Appends `text` to the input of the current chat (its last "## You" block). */
  async add(text) {
    const editor = await this.current();
    const document = editor.document;
    const current = document.getText();
    const blocks = conversation.blocks(current);
    const inInput = blocks.length > 0 && blocks[blocks.length - 1].role === 'user';
    const newline = current.endsWith('\n') ? '' : '\n';
    await this.append(document, `${newline}${inInput ? '' : '\n## You\n'}${text}\n`);
    return editor;
  }

  async append(document, text) {
    const edit = new vscode.WorkspaceEdit();
    edit.insert(document.uri, document.positionAt(document.getText().length), text);
    if (!(await vscode.workspace.applyEdit(edit))) throw new Error('the chat was closed');
  }

  /**
   * Sends the input of chat `document` (only the input when the chat continues a stored
   * conversation, which the daemon holds); the answer streams in below it, through agent.run
   * when tools are on. One answer per chat at a time: a send while one streams is refused. The
   * answer ends with its fence closed when it was stopped inside a code block, then its note
   * ([cancelled], [cut off], [error ...]); its tokens are shown by its heading.
   */
  async send(document) {
    const key = document.uri.toString();
    if (this.streaming.has(key)) {
      vscode.window.showWarningMessage('Switchboard: an answer is still streaming in this chat; cancel it first.');
      return;
    }
    const text = document.getText();
    if (!conversation.pending(text)) {
      vscode.window.showWarningMessage('Switchboard: nothing to send: write your message under the last "## You".');
      return;
    }
    this.streaming.set(key, null);
    let outcome;
    try {
      outcome = await this.answer(document, text);
    } finally {
      this.streaming.delete(key);
    }
    if (outcome && outcome.resend) await this.retry(document);
  }

  /** The turn of send(): streams the answer into `document` (whose text was `text`) and ends it. */
  async answer(document, text) {
    const settings = this.settings();
    const messages = conversation.messages(text, path.dirname(document.uri.fsPath));
    const model = this.models.get(document.uri.fsPath) || (conversation.hasImage(messages) ? settings.visionModel : '');
    const params = core.requestParams(messages, settings, model);
    const stored = this.storing() ? this.conversationOf(document) : undefined;
    if (this.storing()) params.conversation_id = stored || 'new';
    if (stored) params.messages = messages.slice(-1); // the daemon sends the stored ones before it
    const agent = this.agent && await this.agent.enabled(this.session, settings).catch(() => false);
    if (agent) params.tools = this.agent.definitions();
    const trailing = text.length - text.trimEnd().length;
    const edit = new vscode.WorkspaceEdit();
    edit.replace(document.uri, new vscode.Range(document.positionAt(text.length - trailing), document.positionAt(text.length)), '\n\n## Assistant\n');
    await vscode.workspace.applyEdit(edit);
    const heading = document.positionAt(text.length - trailing + 2).line;
    this.last = document;
    const answer = core.orderedAppender((piece) => this.append(document, piece));
    const records = this.recorder(document);
    const callbacks = agent ? this.agent.callbacks((call) => answer.queue(() => records.write(call))) : null;
    let answered = '';
    const outcome = {};
    try {
      outcome.result = await this.session.stream(params, (piece) => {
        answered += piece;
        answer.append(piece);
      }, (call) => this.streaming.set(document.uri.toString(), call), callbacks);
    } catch (error) {
      outcome.failure = error;
      if (core.isCancellation(error)) outcome.cancelled = true;
      else outcome.error = error;
      if (!core.isCancellation(error)) vscode.window.showErrorMessage(core.formatError(error, settings));
    }
    this.afterTurn(document, outcome, heading);
    if (!document.isClosed) await answer.flushed();
    records.dispose(); // (after the last record's update: the records follow edits until then)
    if (document.isClosed) return outcome;
    const closing = conversation.closing(answered, outcome);
    const atLineStart = document.getText().endsWith('\n');
    await this.append(document, `${atLineStart ? '' : '\n'}${closing.map((line) => `${line}\n`).join('')}\n## You\n`);
    if (document.uri.fsPath.startsWith(this.dir)) await document.save();
    return outcome;
  }

  /**
   * Remembers the conversation the daemon gave the turn, shows the answer's tokens by its
   * heading (line `heading`), and turns the store off when the daemon cannot use it (the question
   * is then asked again, unstored: `outcome.resend`).
   */
  afterTurn(document, outcome, heading) {
    const error = outcome.failure || {};
    const result = outcome.result || (error.data || {}).partial;
    if (result && typeof result.conversation_id === 'string') this.setConversation(document, result.conversation_id);
    if (error.code === STORE_UNUSABLE && !this.storeUnusable) {
      this.storeUnusable = true;
      outcome.resend = true;
      vscode.window.showWarningMessage(`Switchboard: the conversation store cannot be used (${error.rpcMessage || error.message}): chats are not stored this session.`);
    }
    const note = conversation.usageNote(result && result.usage);
    if (!note || document.isClosed) return;
    const key = document.uri.toString();
    this.usage.set(key, [...(this.usage.get(key) || []).filter((u) => u.line !== heading), { line: heading, note }]);
    this.showUsage(document);
  }

  /**
   * Writes the records of an answer's tool calls into `document`: `write(call)` (a tool.call's
   * params) adds the call's record at the end, or rewrites it where it is; records follow the
   * edits made above them until `dispose()`.
   */
  recorder(document) {
    const records = new Map(); // call id -> {start, length}
    const follow = vscode.workspace.onDidChangeTextDocument((event) => {
      if (event.document !== document) return;
      for (const record of records.values()) record.start = core.shiftOffset(record.start, event.contentChanges);
    });
    return {
      write: async (call) => {
        const body = `${conversation.toolRecord(call).join('\n')}\n`;
        const known = records.get(call.call_id);
        const edit = new vscode.WorkspaceEdit();
        if (known) {
          edit.replace(document.uri, new vscode.Range(document.positionAt(known.start), document.positionAt(known.start + known.length)), body);
        } else {
          const text = document.getText();
          edit.insert(document.uri, document.positionAt(text.length), `${text.endsWith('\n') ? '' : '\n'}${body}`);
        }
        if (!(await vscode.workspace.applyEdit(edit))) throw new Error('the chat was closed');
        if (known) known.length = body.length;
        else records.set(call.call_id, { start: document.getText().length - body.length, length: body.length });
      },
      dispose: () => follow.dispose(),
    };
  }

  /**
   * Asks the last question of chat `document` again: its answer (failed, cancelled, cut off or
   * not) is removed and the question sent anew, in a new stored conversation (the stored one
   * keeps the old answer). Refused, with a note, when the chat does not end with an answer.
   */
  async retry(document) {
    if (this.streaming.has(document.uri.toString())) {
      vscode.window.showWarningMessage('Switchboard: an answer is still streaming in this chat; cancel it first.');
      return;
    }
    const text = document.getText();
    const start = conversation.lastAnswerStart(text);
    if (start === null) {
      vscode.window.showWarningMessage('Switchboard: nothing to retry: the chat does not end with an answer.');
      return;
    }
    const edit = new vscode.WorkspaceEdit();
    edit.replace(document.uri, new vscode.Range(document.positionAt(start), document.positionAt(text.length)), '');
    await vscode.workspace.applyEdit(edit);
    const line = document.positionAt(start).line;
    const key = document.uri.toString();
    this.usage.set(key, (this.usage.get(key) || []).filter((u) => u.line < line));
    this.setConversation(document, undefined);
    await this.send(document);
  }

  /** Cancels the answer streaming into `document` (a chat being closed); true when there was one. */
  cancel(document) {
    const call = this.streaming.get(document.uri.toString());
    if (call) call.cancel();
    return Boolean(call);
  }
}

module.exports = { Chats, isChat };
