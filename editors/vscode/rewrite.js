'use strict';
// Rewrite the selection: the instruction and the selection go to the model; its rewrite streams
// into a virtual document shown in a diff editor against the file; Accept replaces the selection
// with one edit (one undo step), Reject drops it. One rewrite at a time. An edit the model
// proposes with the propose_edit tool is shown and decided the same way.

const vscode = require('vscode');
const path = require('node:path');
const conversation = require('./conversation');
const core = require('./core');

const SCHEME = 'switchboard-proposal';

class Rewrites {
  constructor(session, settings) {
    this.session = session;
    this.settings = settings;
    this.pending = null; // {document, range, original, proposal, uri, call, done, settle?}
    this.changed = new vscode.EventEmitter();
    this.onDidChange = this.changed.event;
    this.count = 0;
  }

  /** The proposal document: the file with the selection replaced by the proposal so far. */
  provideTextDocumentContent() {
    const p = this.pending;
    if (!p) return '';
    const text = p.document.getText();
    const start = p.document.offsetAt(p.range.start);
    return text.slice(0, start) + p.proposal + text.slice(p.document.offsetAt(p.range.end));
  }

  async setPending(value) {
    this.pending = value;
    await vscode.commands.executeCommand('setContext', 'switchboard.rewritePending', Boolean(value && value.done));
  }

  /** A new pending rewrite of `range` in `document` (null, with a warning, when one waits). */
  async open(document, range, proposal, done) {
    if (this.pending) {
      vscode.window.showWarningMessage('Switchboard: a rewrite is waiting: accept or reject it first.');
      return null;
    }
    const name = path.basename(document.uri.fsPath || document.uri.path);
    const uri = vscode.Uri.parse(`${SCHEME}:/${name}?${++this.count}`);
    await this.setPending({ document, range, original: document.getText(range), proposal, uri, call: null, done });
    await vscode.commands.executeCommand('vscode.diff', document.uri, uri, `${name} ↔ Switchboard rewrite`);
    return this.pending;
  }

  /** Offers the finished `pending` rewrite: Accept and Reject in a notification (and the keys). */
  async offer(pending, message) {
    pending.done = true;
    this.changed.fire(pending.uri);
    await this.setPending(pending);
    const choice = await vscode.window.showInformationMessage(message, 'Accept', 'Reject');
    if (this.pending === pending && choice === 'Accept') await this.accept();
    else if (this.pending === pending && choice === 'Reject') await this.reject();
  }

  /** Asks for a rewrite of `editor`'s selection per `instruction` and shows it as a diff. */
  async start(editor, instruction) {
    const { document, selection } = editor;
    const pending = await this.open(document, new vscode.Range(selection.start, selection.end), '', false);
    if (!pending) return;
    const { original, uri } = pending;
    const name = path.basename(document.uri.fsPath || document.uri.path);
    const messages = core.rewriteMessages(instruction, original, name, document.languageId, conversation.fenced);
    let text = '';
    try {
      await this.session.stream(core.requestParams(messages, this.settings()), (piece) => {
        text += piece;
        pending.proposal = text;
        this.changed.fire(uri);
      }, (call) => { pending.call = call; });
    } catch (error) {
      if (!core.isCancellation(error)) vscode.window.showErrorMessage(core.formatError(error, this.settings()));
      if (this.pending === pending) await this.close();
      return;
    }
    if (this.pending !== pending) return; // its diff editor was closed meanwhile
    pending.proposal = core.fitProposal(original, conversation.codeOf(text));
    await this.offer(pending, 'Switchboard: rewrite ready.');
  }

  /**
   * Shows the model's proposed edit of `document` (`range` replaced by `text`) as a rewrite to
   * accept or reject; resolves to whether it was applied. An abort of `signal` (the run was
   * cancelled) rejects it. Throws when a rewrite already waits.
   */
  async propose(document, range, text, signal) {
    const pending = await this.open(document, range, text, true);
    if (!pending) throw new Error('a rewrite is waiting for the user: ask again once it is accepted or rejected');
    const decided = new Promise((resolve) => { pending.settle = resolve; });
    const withdraw = () => {
      if (this.pending === pending) this.close();
    };
    if (signal && signal.aborted) withdraw();
    else if (signal) signal.addEventListener('abort', withdraw, { once: true });
    if (this.pending === pending) this.offer(pending, `Switchboard: the model proposes an edit to ${path.basename(document.uri.fsPath || document.uri.path)}.`);
    return decided;
  }

  /** Replaces the selection with the proposal, in one edit (one undo step). */
  async accept() {
    const p = this.pending;
    if (!p || !p.done) {
      vscode.window.showWarningMessage(p ? 'Switchboard: the rewrite is still streaming.' : 'Switchboard: no rewrite to accept.');
      return false;
    }
    if (p.document.getText(p.range) !== p.original) {
      vscode.window.showErrorMessage('Switchboard: the text changed since the rewrite was asked for; not applied.');
      return false;
    }
    const edit = new vscode.WorkspaceEdit();
    edit.replace(p.document.uri, p.range, p.proposal);
    await this.close(null);
    const applied = await vscode.workspace.applyEdit(edit);
    if (p.settle) p.settle(applied);
    return applied;
  }

  /** Drops the proposal, cancelling it while it streams. */
  async reject() {
    const p = this.pending;
    if (p && !p.done && p.call) p.call.cancel();
    else await this.close();
  }

  /**
   * Tabs were closed: when one is the rewrite's diff editor (closed by hand), the rewrite is
   * rejected, cancelled while it streams, so that the next rewrite is not refused.
   */
  async tabsClosed(tabs) {
    const p = this.pending;
    const ours = (tab) => tab.input && tab.input.modified && p && tab.input.modified.toString() === p.uri.toString();
    if (!p || !tabs.some(ours)) return;
    if (!p.done && p.call) p.call.cancel();
    await this.setPending(null);
    if (p.settle) p.settle(false);
  }

  /**
   * Forgets the rewrite and closes its diff editor; a proposed edit learns that it was rejected
   * (`accepted` false), or later (null: by accept()).
   */
  async close(accepted = false) {
    const p = this.pending;
    await this.setPending(null);
    if (!p) return;
    if (p.settle && accepted !== null) p.settle(accepted);
    for (const group of vscode.window.tabGroups.all) {
      for (const tab of group.tabs) {
        if (tab.input && tab.input.modified && tab.input.modified.toString() === p.uri.toString()) await vscode.window.tabGroups.close(tab);
      }
    }
  }
}

module.exports = { Rewrites, SCHEME };
