'use strict';
// VS Code glue: commands, the status bar, settings and the API key in SecretStorage. The chat
// documents are in chat.js, rewrites in rewrite.js, tools in agent.js and tools.js, the logic in
// core.js and conversation.js, the JSON-RPC client in the Node client (client.js finds it).

const vscode = require('vscode');
const path = require('node:path');
const core = require('./core');
const conversation = require('./conversation');
const { Chats, isChat } = require('./chat');
const { Rewrites, SCHEME } = require('./rewrite');
const { Agent } = require('./agent');

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
  let chats = null;
  session = new core.Session(settings, {
    log: (text) => output.append(text),
    apiKey: () => context.secrets.get(SECRET),
    onBusy: showStatus,
    onConversationChanged: (id) => chats && chats.conversationChanged(id),
  });
  const rewrites = new Rewrites(session, settings);
  const agent = new Agent(rewrites);
  chats = new Chats(context.globalStorageUri.fsPath, session, settings, agent);
  // the answer being written at the cursor, shown after it until it goes in
  const preview = vscode.window.createTextEditorDecorationType({ after: { color: new vscode.ThemeColor('editorGhostText.foreground'), fontStyle: 'italic' } });
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
    'switchboard.openConversation': async () => {
      const listed = await session.request('conversations.list', { limit: 200 }).catch(report);
      if (!listed) return;
      const items = (listed.conversations || []).map((item) => ({
        label: item.title || '(untitled)',
        description: new Date(item.updated_at * 1000).toLocaleString(),
        detail: `${item.message_count} messages${item.model ? ` · ${item.model}` : ''}`,
        id: item.id,
      }));
      if (!items.length) {
        vscode.window.showInformationMessage('Switchboard: no stored conversations yet.');
        return;
      }
      const picked = await vscode.window.showQuickPick(items, { placeHolder: 'Conversation (newest first)', matchOnDescription: true });
      if (picked) await chats.openStored(picked.id).catch(report);
    },
    'switchboard.retry': async () => {
      const editor = vscode.window.activeTextEditor;
      const document = editor && isChat(editor.document) ? editor.document : (await chats.current()).document;
      await chats.retry(document).catch(report);
    },
  };

  /**
   * Asks for the answer to `prompt` and inserts it into `editor` at the cursor (after the
   * selection, which goes along) in one edit, one undo step, once it is complete: while it
   * streams, it shows after the cursor as a preview, and the place follows the user's edits.
   * A cancelled or failed answer inserts nothing.
   */
  async function insertAtCursor(editor, prompt) {
    const { document, selection } = editor;
    const user = selection.isEmpty ? prompt : `${prompt}\n\n${selectionBlock(editor)}`;
    let offset = document.offsetAt(selection.end);
    let answered = '';
    const follow = vscode.workspace.onDidChangeTextDocument((event) => {
      if (event.document === document) offset = core.shiftOffset(offset, event.contentChanges);
    });
    const show = (text) => {
      const at = document.positionAt(offset);
      editor.setDecorations(preview, text ? [{ range: new vscode.Range(at, at), renderOptions: { after: { contentText: text } } }] : []);
    };
    try {
      show('⟳ answering…');
      await session.stream(core.requestParams(core.insertMessages(user), settings()), (piece) => {
        answered += piece;
        show(core.previewText(answered));
      });
    } finally {
      show('');
      follow.dispose();
    }
    // an answer that is one fenced block goes in without its fence
    const inside = conversation.unfenced(answered);
    const text = inside === null ? answered : inside;
    if (!text || document.isClosed) return;
    const at = document.positionAt(offset);
    const done = await editor.edit((builder) => builder.insert(at, text), { undoStopBefore: true, undoStopAfter: true }).catch(() => false);
    if (done) return;
    // the editor was closed meanwhile: its document still takes the answer, as one edit
    const edit = new vscode.WorkspaceEdit();
    edit.insert(document.uri, at, text);
    if (!(await vscode.workspace.applyEdit(edit))) throw new Error('the answer could not be inserted: the document was closed');
  }

  const updateChatContext = () => vscode.commands.executeCommand('setContext', 'switchboard.chatDocument', isChat(vscode.window.activeTextEditor && vscode.window.activeTextEditor.document));
  context.subscriptions.push(
    output,
    status,
    preview,
    vscode.workspace.registerTextDocumentContentProvider(SCHEME, rewrites),
    ...Object.entries(commands).map(([name, run]) => vscode.commands.registerCommand(name, run)),
    vscode.window.onDidChangeActiveTextEditor(updateChatContext),
    // an answer's tokens show again in a chat shown again
    vscode.window.onDidChangeVisibleTextEditors((editors) => editors.forEach((editor) => chats.showUsage(editor.document))),
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
  return { session, chats, rewrites, agent, output, preview };
}

/** Shuts the daemon down (shutdown, exit); VS Code waits for the returned promise. */
function deactivate() {
  const ending = session ? session.dispose() : undefined;
  session = null;
  return ending;
}

module.exports = { activate, deactivate };
