'use strict';
// VS Code glue only: commands, pickers, the chat document and the output channel. The logic lives
// in core.js and the JSON-RPC client in switchboard.js (a link to ../node/switchboard.js).

const vscode = require('vscode');
const core = require('./core');

let session = null;

function activate(context) {
  const output = vscode.window.createOutputChannel('Switchboard');
  const settings = () => {
    const configuration = vscode.workspace.getConfiguration('switchboard');
    return core.readSettings((key, fallback) => configuration.get(key, fallback));
  };
  session = new core.Session(settings, { log: (text) => output.append(text) });

  /** Where an answer goes: a new untitled Markdown document, or the output channel. */
  async function openAnswer(header, kind) {
    if (kind === 'outputChannel') {
      output.show(true);
      output.append(`\n${header}`);
      return core.orderedAppender(async (text) => output.append(text));
    }
    const document = await vscode.workspace.openTextDocument({ language: 'markdown', content: header });
    await vscode.window.showTextDocument(document, { preview: false, viewColumn: vscode.ViewColumn.Beside });
    return core.orderedAppender(async (text) => {
      const edit = new vscode.WorkspaceEdit();
      edit.insert(document.uri, document.positionAt(document.getText().length), text);
      if (!(await vscode.workspace.applyEdit(edit))) throw new Error('the document was closed');
    });
  }

  /** Runs a streaming request into `answer`, then reports how it ended. */
  async function stream(answer, run) {
    const done = run(answer.append);
    vscode.window.setStatusBarMessage('$(sync~spin) Switchboard is answering… ("Switchboard: Cancel" stops it)', done);
    try {
      await done;
      answer.append('\n');
    } catch (error) {
      const text = core.formatError(error, settings());
      answer.append(`\n\n> ${text}\n`);
      if (!core.isCancellation(error)) vscode.window.showErrorMessage(text);
    }
    await answer.flushed();
  }

  async function chat() {
    const editor = vscode.window.activeTextEditor;
    const selection = editor && !editor.selection.isEmpty ? editor.document.getText(editor.selection) : '';
    const typed = core.chatPrompt(selection) ? undefined : await vscode.window.showInputBox({ prompt: 'Ask Switchboard' });
    const prompt = core.chatPrompt(selection, typed);
    if (!prompt) return;
    const answer = await openAnswer(core.chatHeader(prompt), settings().chatOutput);
    await stream(answer, (onPiece) => session.chat(prompt, onPiece));
  }

  async function describeImage() {
    const picked = await vscode.window.showOpenDialog({
      canSelectMany: false, openLabel: 'Describe', filters: { Images: ['png', 'jpg', 'jpeg', 'gif', 'webp'] },
    });
    if (!picked || picked.length === 0) return;
    const prompt = await vscode.window.showInputBox({ prompt: 'Question about the image', placeHolder: 'Describe this image.' });
    if (prompt === undefined) return;
    const path = picked[0].fsPath;
    const answer = await openAnswer(core.chatHeader(`${path}${prompt ? `: ${prompt}` : ''}`), 'outputChannel');
    await stream(answer, (onPiece) => session.describeImage(path, prompt, onPiece));
  }

  function cancel() {
    if (session.cancelAll() === 0) vscode.window.showInformationMessage('Switchboard: nothing to cancel.');
  }

  context.subscriptions.push(
    output,
    vscode.commands.registerCommand('switchboard.chat', chat),
    vscode.commands.registerCommand('switchboard.describeImage', describeImage),
    vscode.commands.registerCommand('switchboard.cancel', cancel),
  );
}

/** Shuts the daemon down (shutdown, exit); VS Code waits for the returned promise. */
function deactivate() {
  const ending = session ? session.dispose() : undefined;
  session = null;
  return ending;
}

module.exports = { activate, deactivate };
