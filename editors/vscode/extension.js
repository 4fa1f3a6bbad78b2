'use strict';
// VS Code glue: commands, the status bar, settings and the API key in SecretStorage. The chat
// documents are in chat.js, rewrites in rewrite.js, the logic in core.js and conversation.js,
// the JSON-RPC client in the Node client (client.js finds it).

const vscode = require('vscode');
const path = require('node:path');
const core = require('./core');
const conversation = require('./conversation');
const { Chats, isChat } = require('./chat');
const { Rewrites, SCHEME } = require('./rewrite');

const SECRET = 'switchboard.apiKey';
let session = null;

function activate(context) {
  const output = vscode.window.createOutputChannel('Switchboard');
  const settings = () => {
    const configuration = vscode.workspace.getConfiguration('switchboard');
    return core.readSettings((key, fallback) => configuration.get(key, fallback));
  };
  const status = vscode.window.createStatusBarItem(vscode.StatusBarAlignment.Right, 100);
  const showStatus = (busy) => {
    status.text = busy ? '$(sync~spin) Switchboard: answering' : `$(comment-discussion) ${settings().model || 'Switchboard'}`;
    status.tooltip = busy ? 'Ctrl+Shift+Backspace (or click) cancels' : 'Switchboard: pick the model';
    status.command = busy ? 'switchboard.cancel' : 'switchboard.pickModel';
    status.show();
    vscode.commands.executeCommand('setContext', 'switchboard.busy', busy);
  };
  session = new core.Session(settings, {
    log: (text) => output.append(text),
    apiKey: () => context.secrets.get(SECRET),
    onBusy: showStatus,
  });
  const chats = new Chats(context.globalStorageUri.fsPath, session, settings);
  const rewrites = new Rewrites(session, settings);
  showStatus(false);

  const report = (error) => {
    if (!core.isCancellation(error)) vscode.window.showErrorMessage(core.formatError(error, settings()));
  };
  const editorOrTell = () => {
    const editor = vscode.window.activeTextEditor;
    if (!editor) vscode.window.showInformationMessage('Switchboard: open a file first.');
    return editor;
  };
  const selectionBlock = (editor) => {
    const { document, selection } = editor;
    const name = vscode.workspace.asRelativePath(document.uri);
    return conversation.fenced(`File: ${name} (lines ${selection.start.line + 1}-${selection.end.line + 1})`, document.getText(selection), document.languageId);
  };

  const commands = {
    'switchboard.openChat': () => chats.current(),
    'switchboard.newChat': async () => {
      const names = Object.keys(settings().presets);
      const picked = names.length ? await vscode.window.showQuickPick(['(no preset)', ...names], { placeHolder: 'Preset' }) : '(no preset)';
      if (picked !== undefined) await chats.create(picked === '(no preset)' ? '' : picked);
    },
    'switchboard.send': async () => {
      const editor = vscode.window.activeTextEditor;
      const document = editor && isChat(editor.document) ? editor.document : (await chats.current()).document;
      await chats.send(document).catch(report);
    },
    'switchboard.cancel': () => {
      if (session.cancelAll() === 0) vscode.window.showInformationMessage('Switchboard: nothing to cancel.');
    },
    'switchboard.ask': async () => {
      const editor = editorOrTell();
      if (!editor) return;
      const block = editor.selection.isEmpty ? '' : selectionBlock(editor);
      const question = await vscode.window.showInputBox({ prompt: block ? 'Ask about the selection' : 'Ask Switchboard' });
      if (!question) return;
      const chat = await chats.add(block ? `${question}\n\n${block}` : question);
      await chats.send(chat.document).catch(report);
    },
    'switchboard.addSelection': async () => {
      const editor = editorOrTell();
      if (editor) await chats.add(editor.selection.isEmpty ? conversation.fenced(`File: ${vscode.workspace.asRelativePath(editor.document.uri)}`, editor.document.getText(), editor.document.languageId) : selectionBlock(editor));
    },
    'switchboard.addFile': async (uri) => {
      const file = uri || ((await vscode.window.showOpenDialog({ canSelectMany: false, openLabel: 'Add to the chat' })) || [])[0];
      if (!file) return;
      const document = await vscode.workspace.openTextDocument(file);
      await chats.add(conversation.fenced(`File: ${vscode.workspace.asRelativePath(file)}`, document.getText(), path.extname(file.fsPath).slice(1)));
    },
    'switchboard.addImage': async (uri) => {
      const image = uri || ((await vscode.window.showOpenDialog({ canSelectMany: false, openLabel: 'Attach', filters: { Images: ['png', 'jpg', 'jpeg', 'gif', 'webp'] } })) || [])[0];
      if (image) await chats.add(`![image](${image.fsPath})`);
    },
    'switchboard.rewrite': async () => {
      const editor = editorOrTell();
      if (!editor || editor.selection.isEmpty) {
        if (editor) vscode.window.showInformationMessage('Switchboard: select the text to rewrite first.');
        return;
      }
      const instruction = await vscode.window.showInputBox({ prompt: 'Rewrite the selection: how?' });
      if (instruction) await rewrites.start(editor, instruction);
    },
    'switchboard.acceptRewrite': () => rewrites.accept(),
    'switchboard.rejectRewrite': () => rewrites.reject(),
    'switchboard.insert': async () => {
      const editor = editorOrTell();
      const prompt = editor && await vscode.window.showInputBox({ prompt: 'Insert at the cursor: what?' });
      if (prompt) await insertAtCursor(editor, prompt).catch(report);
    },
    'switchboard.pickModel': async () => {
      const models = core.chatModels(await session.request('models.list', {}).catch((error) => report(error)));
      const picked = await vscode.window.showQuickPick(["(the daemon's default_model)", ...models], { placeHolder: `Model (now ${settings().model || 'the default'})` });
      if (picked === undefined) return;
      await vscode.workspace.getConfiguration('switchboard').update('model', models.includes(picked) ? picked : '', vscode.ConfigurationTarget.Global);
      showStatus(session.active.size > 0);
    },
    'switchboard.setApiKey': async () => {
      const key = await vscode.window.showInputBox({ prompt: 'API key for Switchboard (kept in the OS keychain; empty removes it)', password: true, ignoreFocusOut: true });
      if (key === undefined) return;
      if (key) await context.secrets.store(SECRET, key);
      else await context.secrets.delete(SECRET);
    },
    'switchboard.health': async () => {
      output.appendLine('Switchboard health:');
      for (const line of await core.healthReport(session)) output.appendLine(`  ${line}`);
      output.show(true);
    },
    'switchboard.restart': () => session.restart(),
  };

  /** Streams the answer to `prompt` into `editor` at the cursor (after the selection, which goes along). */
  async function insertAtCursor(editor, prompt) {
    const { document, selection } = editor;
    const user = selection.isEmpty ? prompt : `${prompt}\n\n${selectionBlock(editor)}`;
    let offset = document.offsetAt(selection.end);
    let start = offset; // the answer's start, moved by edits before it
    let answered = '';
    let writing = null;
    const follow = vscode.workspace.onDidChangeTextDocument((event) => {
      if (event.document !== document) return;
      const others = event.contentChanges.filter((c) => !(writing !== null && c.rangeOffset === offset && c.rangeLength === 0 && c.text === writing));
      offset = core.shiftOffset(offset, others);
      start = core.shiftOffset(start, others.filter((c) => c.rangeOffset < start));
    });
    let first = true;
    const answer = core.orderedAppender(async (text) => {
      writing = text;
      const done = await editor.edit((builder) => builder.insert(document.positionAt(offset), text), { undoStopBefore: first, undoStopAfter: false });
      writing = null;
      if (!done) throw new Error('the editor was closed');
      offset += text.length;
      first = false;
    });
    try {
      await session.stream(core.requestParams(core.insertMessages(user), settings()), (piece) => {
        answered += piece;
        answer.append(piece);
      });
      await answer.flushed();
      // an answer that is one fenced block goes in without its fence, in the same undo step
      const inside = conversation.unfenced(answered);
      if (inside !== null && !first) {
        const range = new vscode.Range(document.positionAt(start), document.positionAt(offset));
        await editor.edit((builder) => builder.replace(range, inside), { undoStopBefore: false, undoStopAfter: true });
      }
    } finally {
      await answer.flushed();
      follow.dispose();
    }
  }

  const updateChatContext = () => vscode.commands.executeCommand('setContext', 'switchboard.chatDocument', isChat(vscode.window.activeTextEditor && vscode.window.activeTextEditor.document));
  context.subscriptions.push(
    output,
    status,
    vscode.workspace.registerTextDocumentContentProvider(SCHEME, rewrites),
    ...Object.entries(commands).map(([name, run]) => vscode.commands.registerCommand(name, run)),
    vscode.window.onDidChangeActiveTextEditor(updateChatContext),
    vscode.workspace.onDidChangeTextDocument((event) => {
      if (vscode.window.activeTextEditor && event.document === vscode.window.activeTextEditor.document) updateChatContext();
    }),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (event.affectsConfiguration('switchboard')) showStatus(session.active.size > 0);
    }),
    // a rewrite's diff editor closed by hand rejects the rewrite
    vscode.window.tabGroups.onDidChangeTabs((event) => rewrites.tabsClosed(event.closed)),
    // a chat closed mid-answer stops its answer
    vscode.workspace.onDidCloseTextDocument((document) => chats.cancel(document)),
    context.secrets.onDidChange((event) => {
      if (event.key === SECRET) session.restart();
    }),
  );
  updateChatContext();
  return { session, chats, rewrites, output };
}

/** Shuts the daemon down (shutdown, exit); VS Code waits for the returned promise. */
function deactivate() {
  const ending = session ? session.dispose() : undefined;
  session = null;
  return ending;
}

module.exports = { activate, deactivate };
