'use strict';
// Chat documents: Markdown files holding a conversation (see conversation.js), kept in the
// extension's storage (or any .md file you open). You type under the last "## You" and send with
// Ctrl+Enter; the answer streams in under "## Assistant"; a chat in the storage is saved after
// each answer, so it is never left dirty and "Switchboard: Open Chat" finds it again.

const vscode = require('vscode');
const fs = require('node:fs');
const path = require('node:path');
const conversation = require('./conversation');
const core = require('./core');

const isChat = (document) => Boolean(document) && document.languageId === 'markdown' && conversation.isConversation(document.getText());

class Chats {
  constructor(storage, session, settings) {
    this.dir = path.join(storage, 'chats');
    this.session = session;
    this.settings = settings;
    this.models = new Map(); // chat file -> the model of its preset
    this.streaming = new Map(); // chat URI -> the call streaming its answer
    this.last = null;
  }

  /** A new chat file with the system prompt of preset `name` (or the setting), shown. */
  async create(name) {
    const preset = name ? this.settings().presets[name] || {} : {};
    fs.mkdirSync(this.dir, { recursive: true });
    const file = path.join(this.dir, `chat-${new Date().toISOString().replace(/[:.]/g, '-')}.md`);
    fs.writeFileSync(file, conversation.fresh(preset.system || this.settings().systemPrompt));
    if (preset.model) this.models.set(file, preset.model);
    return this.show(await vscode.workspace.openTextDocument(vscode.Uri.file(file)));
  }

  async show(document) {
    this.last = document;
    const editor = await vscode.window.showTextDocument(document, { viewColumn: vscode.ViewColumn.Beside, preserveFocus: false });
    const end = document.positionAt(document.getText().length);
    editor.selection = new vscode.Selection(end, end);
    return editor;
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
   * Sends the input of chat `document`; the answer streams in below it. One answer per chat at a
   * time: a send while one streams is refused. The answer ends with its fence closed when it was
   * stopped inside a code block, then its note ([cancelled], [cut off], [error ...]).
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
    const messages = conversation.messages(text, path.dirname(document.uri.fsPath));
    const settings = this.settings();
    const model = this.models.get(document.uri.fsPath) || (conversation.hasImage(messages) ? settings.visionModel : '');
    const trailing = text.length - text.trimEnd().length;
    const edit = new vscode.WorkspaceEdit();
    edit.replace(document.uri, new vscode.Range(document.positionAt(text.length - trailing), document.positionAt(text.length)), '\n\n## Assistant\n');
    await vscode.workspace.applyEdit(edit);
    this.last = document;
    const answer = core.orderedAppender((piece) => this.append(document, piece));
    let answered = '';
    const outcome = {};
    this.streaming.set(key, null);
    try {
      outcome.result = await this.session.stream(core.requestParams(messages, settings, model), (piece) => {
        answered += piece;
        answer.append(piece);
      }, (call) => this.streaming.set(key, call));
    } catch (error) {
      if (core.isCancellation(error)) outcome.cancelled = true;
      else outcome.error = error;
      if (!core.isCancellation(error)) vscode.window.showErrorMessage(core.formatError(error, settings));
    } finally {
      this.streaming.delete(key);
    }
    if (document.isClosed) return;
    await answer.flushed();
    const closing = conversation.closing(answered, outcome);
    const atLineStart = document.getText().endsWith('\n');
    await this.append(document, `${atLineStart ? '' : '\n'}${closing.map((line) => `${line}\n`).join('')}\n## You\n`);
    if (document.uri.fsPath.startsWith(this.dir)) await document.save();
  }

  /** Cancels the answer streaming into `document` (a chat being closed); true when there was one. */
  cancel(document) {
    const call = this.streaming.get(document.uri.toString());
    if (call) call.cancel();
    return Boolean(call);
  }
}

module.exports = { Chats, isChat };
