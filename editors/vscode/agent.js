'use strict';
// Chats with tools: whether a chat runs through `agent.run` (the `switchboard.tools` setting, by
// default when the daemon has MCP servers; never in Restricted Mode), the tools it offers, and
// the daemon's requests during a run: `tool.approve` asked in a quick pick, `tool.execute` run by
// tools.js against the workspace folder, a proposed edit shown as a rewrite (rewrite.js).

const vscode = require('vscode');
const fs = require('node:fs');
const tools = require('./tools');

const ALLOW = 'Allow';
const ALLOW_ALWAYS = 'Allow for this session';
const DENY = 'Deny';

const realPath = (file) => {
  try {
    return fs.realpathSync(file);
  } catch {
    return file;
  }
};

class Agent {
  constructor(rewrites) {
    this.rewrites = rewrites;
    this.allowed = new Set(); // "server/name": calls the user allowed for the rest of the session
  }

  /** Whether a chat runs through agent.run with `settings` (see the file's comment). */
  async enabled(session, settings) {
    if (vscode.workspace.isTrusted === false || settings.tools === 'off') return false;
    return settings.tools === 'on' || session.hasServers();
  }

  /** The editor tools offered to the model. */
  definitions() {
    return tools.definitions();
  }

  /** agentRun's callbacks (see the Node client): approval, the editor's tools, and `onToolCall`. */
  callbacks(onToolCall) {
    return {
      onApprove: (params, { signal }) => this.approve(params, signal),
      onExecute: (params, { signal }) => tools.run(params.name, params.arguments, this.host(), signal),
      onToolCall,
    };
  }

  /**
   * Asks whether the MCP tool call `params` (tool.approve's) may run; resolves to the answer. The
   * question closes when `signal` aborts (the daemon cancelled it; no answer is then sent).
   */
  async approve(params, signal) {
    const key = `${params.server}/${params.name}`;
    if (this.allowed.has(key)) return true;
    let shown = JSON.stringify(params.arguments || {});
    if (shown.length > 200) shown = `${shown.slice(0, 200)}…`;
    const source = new vscode.CancellationTokenSource();
    const withdraw = () => {
      source.cancel();
      vscode.window.showWarningMessage(`Switchboard: the question about ${params.name} was withdrawn (the run was cancelled).`);
    };
    signal.addEventListener('abort', withdraw, { once: true });
    try {
      const choice = await vscode.window.showQuickPick([ALLOW, ALLOW_ALWAYS, DENY], {
        title: 'Switchboard: a tool call asks for approval',
        placeHolder: `Run the tool ${params.name} of ${params.server || 'the server'} with ${shown}?`,
        ignoreFocusOut: true,
      }, source.token);
      if (choice === ALLOW_ALWAYS) this.allowed.add(key);
      return choice === ALLOW || choice === ALLOW_ALWAYS;
    } finally {
      signal.removeEventListener('abort', withdraw);
      source.dispose();
    }
  }

  /** The host tools.js runs against: the workspace folders, open documents, the rewrite diff. */
  host() {
    const roots = (vscode.workspace.workspaceFolders || []).filter((folder) => folder.uri.scheme === 'file').map((folder) => folder.uri.fsPath);
    const openDocument = (file) => vscode.workspace.textDocuments.find((document) => document.uri.scheme === 'file' && realPath(document.uri.fsPath) === file);
    return {
      roots,
      openText: (file) => {
        const document = openDocument(file);
        return document ? document.getText() : undefined;
      },
      propose: async ({ file, first, last, replacement, name }, signal) => {
        if (!fs.existsSync(file)) throw new tools.ToolError(`no file ${name} (propose_edit changes an existing file)`);
        const document = openDocument(file) || await vscode.workspace.openTextDocument(vscode.Uri.file(file));
        const text = document.getText();
        if (text.includes('\0')) throw new tools.ToolError(`${name} is a binary file`);
        const range = tools.lineRange(text, first, last, replacement);
        if (!range) throw new tools.ToolError(`lines ${first}..${last} are not in ${name} (${document.lineCount} lines)`);
        const { start, end } = range;
        return this.rewrites.propose(document, new vscode.Range(document.positionAt(start), document.positionAt(end)), range.text, signal);
      },
    };
  }
}

module.exports = { Agent, ALLOW, ALLOW_ALWAYS, DENY };
