'use strict';
// extension.js driven through the `vscode` stub (test/vscode-stub.js) against the real daemon
// ($SWITCHBOARD_BIN) and the echo upstream ($OPENAI_BASE_URL): the commands as a user runs them,
// what they do to documents, and what reached the upstream.

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const Module = require('node:module');

const resolve = Module._resolveFilename;
Module._resolveFilename = function resolveVscode(request, ...rest) {
  return request === 'vscode' ? require.resolve('./vscode-stub') : resolve.call(this, request, ...rest);
};
const vscode = require('vscode');
const extension = require('../extension');
const upstream = require('../../node/test/upstream');
const conversation = require('../conversation');
const tools = require('../tools');
const { Switchboard } = require('../client');

const { answers, shown, contexts, settings } = vscode;
const run = (command, ...args) => vscode.commands.executeCommand(command, ...args);
const storage = fs.mkdtempSync(path.join(os.tmpdir(), 'switchboard-vscode-'));
settings['switchboard.path'] = process.env.SWITCHBOARD_BIN || 'switchboard';
const context = vscode.extensionContext(storage);
const { session, output, rewrites, chats, agent, preview } = extension.activate(context);

async function lastMessages() {
  const bodies = await upstream.chatRequests();
  return bodies[bodies.length - 1].messages;
}

/** A file document holding `text`, shown, with `select(document)` as its selection. */
async function source(text, select) {
  const file = path.join(storage, `source-${Date.now()}.py`);
  fs.writeFileSync(file, text);
  const editor = await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(vscode.Uri.file(file)));
  if (select) editor.selection = select(editor.document);
  return editor;
}

/** Types `text` at the end of the active chat and sends it. */
async function type(text) {
  const { document } = vscode.window.activeTextEditor;
  const edit = new vscode.WorkspaceEdit();
  edit.insert(document.uri, document.positionAt(document.getText().length), text);
  await vscode.workspace.applyEdit(edit);
  assert.equal(contexts['switchboard.chatDocument'], true, 'Ctrl+Enter is active in a chat');
  await run('switchboard.send');
  return document;
}

test('a chat: the answer streams in, a new "## You" waits, the file is saved, the history goes along', async () => {
  await run('switchboard.openChat');
  const document = await type('first line\nsecond line');
  assert.equal(document.getText(), '## You\nfirst line\nsecond line\n\n## Assistant\necho: first line\nsecond line\n\n## You\n');
  assert.equal(fs.readFileSync(document.uri.fsPath, 'utf8'), document.getText(), 'saved after the answer');
  await type('and then?');
  assert.deepEqual(await lastMessages(), [
    { role: 'user', content: 'first line\nsecond line' },
    { role: 'assistant', content: 'echo: first line\nsecond line' },
    { role: 'user', content: 'and then?' },
  ]);
});

test('cancel: the text so far, then [cancelled]; the status bar and context show the busy state', async () => {
  const busy = [];
  const sending = type('SLOW count slowly please');
  const document = vscode.window.activeTextEditor.document;
  assert.ok(await upstream.waitUntil(() => document.getText().endsWith('echo: SLO')), 'the stream did not start');
  busy.push(contexts['switchboard.busy']);
  await run('switchboard.cancel');
  await sending;
  busy.push(contexts['switchboard.busy']);
  assert.deepEqual(busy, [true, false]);
  assert.match(document.getText(), /## Assistant\necho: SL[^\n]*\n\[cancelled\]\n\n## You\n$/);
  assert.equal(shown.errors.length, 0);
});

test('a cancel inside a code block closes the fence before [cancelled]; the chat goes on', async () => {
  const sending = type('SLOW\n```python\nx = 1\ny = 2\n```');
  const document = vscode.window.activeTextEditor.document;
  assert.ok(await upstream.waitUntil(() => /echo: SLOW\n```python\nx/.test(document.getText())), 'the stream did not reach the code');
  await run('switchboard.send');
  assert.match(shown.warnings[shown.warnings.length - 1], /still streaming/, 'one answer per chat at a time');
  await run('switchboard.cancel');
  await sending;
  assert.match(document.getText(), /\n```python\nx[^`]*\n```\n\[cancelled\]\n\n## You\n$/);
  const kept = conversation.messages(document.getText(), storage);
  assert.match(kept[kept.length - 1].content, /^echo: SLOW\n```python\nx[^`]*\n```$/, 'the fence closed, the note left out');
  await type('and after it?');
  const messages = await lastMessages();
  assert.deepEqual(messages[messages.length - 1], { role: 'user', content: 'and after it?' });
});

test('closing a chat while it answers cancels the answer (the upstream sees the close)', async () => {
  const sending = type('SLOW closing this chat now');
  const document = vscode.window.activeTextEditor.document;
  assert.ok(await upstream.waitUntil(() => document.getText().endsWith('echo: SLO')), 'the stream did not start');
  vscode.closeDocument(document);
  await sending;
  assert.equal(contexts['switchboard.busy'], false);
  assert.ok(await upstream.waitUntil(async () => (await upstream.log()).open_connections === 0), 'the stream still runs upstream');
  await run('switchboard.openChat');
});

test('images stay in the history; a preset sets the system prompt and the model', async () => {
  await run('switchboard.addImage', vscode.Uri.file(process.env.SWITCHBOARD_TEST_PNG));
  const document = await type('What is in it?');
  assert.match(document.getText(), /echo: What is in it\? \[1 image\]\n\n## You\n$/);
  await type('And its colour?');
  const withImage = (await lastMessages()).filter((m) => Array.isArray(m.content));
  assert.equal(withImage.length, 1);
  assert.match(withImage[0].content[1].image_url.url, /^data:image\/png;base64,/);

  settings['switchboard.presets'] = { terse: { system: 'Be terse.', model: 'gpt-4o' } };
  answers.pick.push('terse');
  await run('switchboard.newChat');
  assert.equal(vscode.window.activeTextEditor.document.getText(), '## System\nBe terse.\n\n## You\n');
  await type('hi');
  const bodies = await upstream.chatRequests();
  assert.equal(bodies[bodies.length - 1].model, 'gpt-4o');
  assert.deepEqual(bodies[bodies.length - 1].messages, [{ role: 'system', content: 'Be terse.' }, { role: 'user', content: 'hi' }]);
});

test('ask about the selection: the question and the fenced selection go to the chat and are sent', async () => {
  await source('a = 1\nb = 2\nc = 3\n', (d) => new vscode.Selection(d.positionAt(0), d.positionAt(12)));
  answers.input.push('Explain');
  await run('switchboard.ask');
  const messages = await lastMessages();
  assert.match(messages[messages.length - 1].content, /^Explain\n\nFile: source-\d+\.py \(lines 1-3\)\n```python\na = 1\nb = 2\n```$/);
});

test('rewrite: a diff of the file and the proposal; Accept replaces the selection in one edit', async () => {
  const editor = await source('keep\nchange me\nkeep too\n', (d) => new vscode.Selection(d.positionAt(5), d.positionAt(15)));
  const before = shown.appliedEdits;
  answers.input.push('UPPERCASE it');
  answers.info.push('Accept');
  await run('switchboard.rewrite');
  const [left, right, title] = shown.diffs[shown.diffs.length - 1];
  assert.equal(left.toString(), editor.document.uri.toString());
  assert.equal(right.scheme, 'switchboard-proposal');
  assert.match(title, /↔ Switchboard rewrite$/);
  assert.equal(editor.document.getText(), 'keep\nCHANGE ME\nkeep too\n');
  assert.equal(shown.appliedEdits - before, 1, 'one edit: one undo step');
  assert.equal(contexts['switchboard.rewritePending'], false);
});

test('rewrite: Reject leaves the text; the proposal document showed the file with the change', async () => {
  const editor = await source('one\ntwo\n', (d) => new vscode.Selection(d.positionAt(0), d.positionAt(4)));
  answers.input.push('UPPERCASE it');
  answers.info.push(undefined); // the notification is dismissed; the user decides with the keys
  await run('switchboard.rewrite');
  assert.equal(contexts['switchboard.rewritePending'], true);
  const proposal = await vscode.workspace.openTextDocument(shown.diffs[shown.diffs.length - 1][1]);
  assert.equal(proposal.getText(), 'ONE\ntwo\n');
  await run('switchboard.rejectRewrite');
  assert.equal(editor.document.getText(), 'one\ntwo\n');
  assert.equal(contexts['switchboard.rewritePending'], false);
});

test('rewrite: closing its diff editor by hand rejects it (cancelled while streaming); the next rewrite is taken', async () => {
  const editor = await source('one\ntwo\n', (d) => new vscode.Selection(d.positionAt(0), d.positionAt(4)));
  answers.input.push('SLOW UPPERCASE it');
  const rewriting = run('switchboard.rewrite');
  assert.ok(await upstream.waitUntil(() => shown.diffs.length > 0 && rewrites.pending && rewrites.pending.proposal.length > 0), 'nothing streamed');
  vscode.closeDiffTab(shown.diffs[shown.diffs.length - 1][1]);
  await rewriting;
  assert.equal(rewrites.pending, null);
  assert.ok(await upstream.waitUntil(async () => (await upstream.log()).open_connections === 0, 10000), 'the rewrite still streams upstream');
  const warnings = shown.warnings.length;
  answers.input.push('UPPERCASE it');
  answers.info.push('Reject');
  await run('switchboard.rewrite');
  assert.equal(shown.warnings.length, warnings, 'the next rewrite was refused');
  assert.equal(editor.document.getText(), 'one\ntwo\n');
});

test('insert at the cursor: a preview while it streams, then one edit (one undo step) where the cursor went', async () => {
  const editor = await source('top\nbottom\n', (d) => new vscode.Selection(d.positionAt(4), d.positionAt(4)));
  answers.input.push('SLOW hi');
  shown.editorEdits.length = 0;
  const inserting = run('switchboard.insert');
  const { document } = editor;
  const previewed = () => vscode.decorationsOf(editor, preview).map((d) => d.renderOptions.after.contentText).join('');
  assert.ok(await upstream.waitUntil(() => previewed().includes('ech')), 'no preview while streaming');
  assert.equal(document.getText(), 'top\nbottom\n', 'nothing is written while it streams');
  const edit = new vscode.WorkspaceEdit(); // the user types at the top, and at the end, meanwhile
  edit.insert(document.uri, document.positionAt(0), '# ');
  edit.insert(document.uri, document.positionAt(document.getText().length), 'more\n');
  await vscode.workspace.applyEdit(edit);
  await inserting;
  assert.equal(document.getText(), '# top\necho: SLOW hibottom\nmore\n');
  assert.deepEqual(shown.editorEdits.map((e) => [e.edits, e.undoStopBefore, e.undoStopAfter]), [[['echo: SLOW hi'], true, true]], 'one edit: one undo step');
  assert.deepEqual(vscode.decorationsOf(editor, preview), [], 'the preview is gone');
  assert.equal((await lastMessages())[0].role, 'system');
});

test('insert at the cursor: a cancelled answer inserts nothing', async () => {
  const editor = await source('keep\n', (d) => new vscode.Selection(d.positionAt(5), d.positionAt(5)));
  answers.input.push('SLOW never mind');
  shown.editorEdits.length = 0;
  const inserting = run('switchboard.insert');
  assert.ok(await upstream.waitUntil(() => vscode.decorationsOf(editor, preview).some((d) => d.renderOptions.after.contentText.includes('ech'))), 'nothing streamed');
  await run('switchboard.cancel');
  await inserting;
  assert.equal(editor.document.getText(), 'keep\n');
  assert.deepEqual(shown.editorEdits, []);
  assert.deepEqual(vscode.decorationsOf(editor, preview), []);
});

test('insert at the cursor: an answer that is one fenced block goes in without its fence, in the same edit', async () => {
  const editor = await source('one = 1\nlast\n', (d) => new vscode.Selection(d.positionAt(0), d.positionAt(8)));
  answers.input.push('UPPERCASE');
  shown.editorEdits.length = 0;
  await run('switchboard.insert');
  assert.equal(editor.document.getText(), 'one = 1\nONE = 1last\n');
  assert.deepEqual(shown.editorEdits.map((e) => [e.edits, e.undoStopBefore, e.undoStopAfter]), [[['ONE = 1'], true, true]]);
  assert.equal(conversation.unfenced('```py\nx = 1\n```\n'), 'x = 1');
  assert.equal(conversation.unfenced('Here:\n```py\nx\n```'), null);
  assert.equal(conversation.unfenced('```\na\n```\n\n```\nb\n```'), null);
});

/** A workspace folder (inside the test's storage) holding `files` ({name: text}), opened. */
function workspaceFolder(files) {
  const folder = fs.mkdtempSync(path.join(storage, 'project-'));
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(folder, name)), { recursive: true });
    fs.writeFileSync(path.join(folder, name), text);
  }
  vscode.workspace.workspaceFolders = [{ uri: vscode.Uri.file(folder), name: path.basename(folder), index: 0 }];
  return folder;
}

/** A new chat without a preset, active. */
async function newChat() {
  answers.pick.push('(no preset)');
  await run('switchboard.newChat');
  return vscode.window.activeTextEditor;
}

test('tools on: the chat runs through agent.run, the tool call is recorded (its status updated), the editor answers tool.execute', async () => {
  workspaceFolder({ 'notes.txt': 'alpha\n' });
  settings['switchboard.tools'] = 'on';
  try {
    await newChat();
    // the echo model calls the first tool offered (read_file) with {"text": …}: no path
    const document = await type('TOOL read it');
    assert.match(document.getText(), /## Assistant\n> \[tool\] read_file … failed\n> {3}arguments: \{"text":"TOOL read it"\}\n> {3}result: [^\n]*no path given\necho: [^\n]*no path given\n\n## You\n$/);
    const bodies = await upstream.chatRequests();
    const asked = bodies[bodies.length - 1];
    assert.deepEqual(asked.tools.map((t) => t.function.name), ['read_file', 'list_files', 'search', 'propose_edit']);
    assert.deepEqual(asked.tools[0].function.parameters, { type: 'object', properties: { path: { type: 'string', description: 'The file, relative to the project root' } }, required: ['path'], additionalProperties: false });
    const tool = asked.messages[asked.messages.length - 1];
    assert.equal(tool.role, 'tool');
    assert.match(tool.content, /no path given/);
    const kept = conversation.messages(document.getText(), storage);
    assert.match(kept[kept.length - 1].content, /^echo: .*no path given$/, 'the record is not part of the answer');
  } finally {
    settings['switchboard.tools'] = 'off';
  }
});

test('tools auto: without MCP servers in the daemon, chats go through chat.complete; Restricted Mode offers no tools', async () => {
  settings['switchboard.tools'] = 'auto';
  try {
    await newChat();
    const document = await type('TOOL not offered');
    assert.match(document.getText(), /## Assistant\necho: TOOL not offered\n\n## You\n$/);
    const bodies = await upstream.chatRequests();
    assert.equal(bodies[bodies.length - 1].tools, undefined);
    vscode.workspace.isTrusted = false;
    assert.equal(await agent.enabled(session, { tools: 'on' }), false);
  } finally {
    vscode.workspace.isTrusted = true;
    settings['switchboard.tools'] = 'off';
  }
});

test('tool approval: a quick pick; "Allow for this session" is remembered; a cancelled run withdraws the question', async () => {
  const call = { request_id: 1, call_id: 'c1', name: 'time__now', server: 'time', arguments: { zone: 'UTC' } };
  const never = new AbortController().signal;
  answers.pick.push('Deny');
  assert.equal(await agent.approve(call, never), false);
  assert.match(shown.pickOptions[shown.pickOptions.length - 1].placeHolder, /^Run the tool time__now of time with \{"zone":"UTC"\}\?$/);
  answers.pick.push('Allow for this session');
  assert.equal(await agent.approve(call, never), true);
  const picks = shown.picks.length;
  assert.equal(await agent.approve(call, never), true);
  assert.equal(shown.picks.length, picks, 'not asked again this session');
  const cancel = new AbortController();
  answers.pick.push((items, options, token) => new Promise((resolve) => token.onCancellationRequested(() => resolve(undefined))));
  const asking = agent.approve({ ...call, name: 'git__push', server: 'git' }, cancel.signal);
  cancel.abort();
  assert.equal(await asking, false);
  assert.match(shown.warnings[shown.warnings.length - 1], /git__push was withdrawn/);
});

test('propose_edit: shown as the rewrite diff; Accept applies it, Reject and a cancelled run do not; the answer says which', async () => {
  const folder = workspaceFolder({ 'src/app.py': 'a = 1\nb = 2\nc = 3\n' });
  const host = agent.host();
  answers.info.push('Accept');
  const accepted = await tools.run('propose_edit', { path: 'src/app.py', start_line: 2, end_line: 2, replacement: 'b = 20' }, host);
  assert.deepEqual(accepted, { content: 'accepted: the user applied the edit to src/app.py (not saved yet)' });
  const document = await vscode.workspace.openTextDocument(vscode.Uri.file(path.join(folder, 'src/app.py')));
  assert.equal(document.getText(), 'a = 1\nb = 20\nc = 3\n');
  assert.match(shown.diffs[shown.diffs.length - 1][2], /^app\.py ↔ Switchboard rewrite$/);
  answers.info.push('Reject');
  assert.deepEqual(await tools.run('propose_edit', { path: 'src/app.py', start_line: 1, end_line: 0, replacement: 'import os' }, host), { content: 'rejected: the user did not apply the edit' });
  const cancel = new AbortController();
  answers.info.push(undefined); // the notification is left alone
  const waiting = tools.run('propose_edit', { path: 'src/app.py', start_line: 3, end_line: 3, replacement: '' }, host, cancel.signal);
  assert.ok(await upstream.waitUntil(() => contexts['switchboard.rewritePending'] === true), 'the proposal was not shown');
  cancel.abort();
  assert.deepEqual(await waiting, { content: 'rejected: the user did not apply the edit' });
  assert.equal(rewrites.pending, null);
  assert.equal(document.getText(), 'a = 1\nb = 20\nc = 3\n');
  const outside = await tools.run('propose_edit', { path: '../elsewhere.py', start_line: 1, end_line: 1, replacement: 'x' }, host);
  assert.equal(outside.is_error, true);
  assert.match(outside.content, /outside the workspace folder/);
  const beyond = await tools.run('propose_edit', { path: 'src/app.py', start_line: 9, end_line: 9, replacement: 'x' }, host);
  assert.deepEqual(beyond, { content: 'lines 9..9 are not in src/app.py (4 lines)', is_error: true });
});

test('read_file reads an open document with its unsaved changes', async () => {
  const folder = workspaceFolder({ 'draft.py': 'saved\n' });
  const document = await vscode.workspace.openTextDocument(vscode.Uri.file(path.join(folder, 'draft.py')));
  const edit = new vscode.WorkspaceEdit();
  edit.insert(document.uri, document.positionAt(0), 'unsaved ');
  await vscode.workspace.applyEdit(edit);
  assert.deepEqual(await tools.run('read_file', { path: 'draft.py' }, agent.host()), { content: 'unsaved saved\n' });
  vscode.workspace.workspaceFolders = undefined;
  assert.match((await tools.run('read_file', { path: 'draft.py' }, agent.host())).content, /no workspace folder/);
});

test('history: Open Conversation… lists the stored conversations; the one picked opens as a chat that continues it', async () => {
  answers.pick.push((items) => items.find((item) => item.label === 'first line'));
  await run('switchboard.openConversation');
  const items = shown.picks[shown.picks.length - 1];
  assert.ok(items.length >= 3 && items.every((item) => item.id && item.description), 'titles, dates, ids');
  const editor = vscode.window.activeTextEditor;
  const id = items.find((item) => item.label === 'first line').id;
  assert.equal(chats.conversationOf(editor.document), id);
  assert.match(editor.document.getText(), /^## You\nfirst line\nsecond line\n\n## Assistant\necho: first line\nsecond line\n\n## You\nand then\?\n\n## Assistant\necho: and then\?\n\n## You\n/);
  assert.match(editor.document.getText(), /\n## Assistant\necho: SL[^\n]*\n\[cancelled\]\n/, 'a cancelled answer as far as it came');
  const before = (await session.request('conversations.get', { id })).messages.length;
  await type('go on');
  const messages = await lastMessages();
  assert.deepEqual(messages[0], { role: 'user', content: 'first line\nsecond line' });
  assert.deepEqual(messages[messages.length - 1], { role: 'user', content: 'go on' });
  assert.equal((await session.request('conversations.get', { id })).messages.length, before + 2, 'the same conversation goes on');
  // another program (a script, another editor) goes on in it: the chat is told once its daemon looks
  const other = new Switchboard({ binary: settings['switchboard.path'], env: { OPENAI_BASE_URL: process.env.OPENAI_BASE_URL } });
  await other.request('chat.complete', { conversation_id: id, messages: [{ role: 'user', content: 'from a script' }] });
  await other.close();
  await session.request('conversations.list', { limit: 1 });
  assert.match(shown.warnings[shown.warnings.length - 1], /^Switchboard: chat-[^:]+\.md: its conversation changed elsewhere/);
});

test('retry: the last answer is asked again (a cancelled one too), in a new stored conversation; tokens show by each answer', async () => {
  const editor = await newChat();
  assert.equal(await run('switchboard.retry'), undefined);
  assert.match(shown.warnings[shown.warnings.length - 1], /nothing to retry/);
  const sending = type('SLOW retry me');
  const { document } = editor;
  assert.ok(await upstream.waitUntil(() => document.getText().endsWith('echo: SLO')), 'the stream did not start');
  await run('switchboard.cancel');
  await sending;
  const first = chats.conversationOf(document);
  assert.ok(first, 'a stored conversation');
  await run('switchboard.retry');
  assert.equal(document.getText(), '## You\nSLOW retry me\n\n## Assistant\necho: SLOW retry me\n\n## You\n');
  assert.notEqual(chats.conversationOf(document), first);
  const notes = vscode.decorationsOf(editor, chats.usageType);
  assert.equal(notes.length, 1);
  assert.equal(notes[0].range.start.line, 3, 'on the "## Assistant" line');
  assert.match(notes[0].renderOptions.after.contentText, /^\d+ tokens \(\d+ in, \d+ out\)$/);
  await type('and again');
  assert.deepEqual(vscode.decorationsOf(editor, chats.usageType).map((d) => d.range.start.line), [3, 9]);
});

test('settings: the base URL and the key (SecretStorage) restart the daemon; the model picker lists chat models', async () => {
  answers.input.push('sk-from-the-keychain');
  await run('switchboard.setApiKey');
  settings['switchboard.baseUrl'] = process.env.OPENAI_BASE_URL;
  const config = await session.request('config.get', {});
  assert.equal(config.api_key, '[redacted]');
  assert.equal(config.base_url, process.env.OPENAI_BASE_URL);
  answers.pick.push((items) => items[2]);
  await run('switchboard.pickModel');
  assert.deepEqual(shown.picks[shown.picks.length - 1], ["(the daemon's default_model)", 'gpt-4o-mini', 'gpt-4o']);
  assert.equal(settings['switchboard.model'], 'gpt-4o');
  await run('switchboard.health');
  assert.match(output.text, /OK: the upstream answered models\.list: 4 models, 2 for chat: gpt-4o-mini, gpt-4o/);
  settings['switchboard.baseUrl'] = 'http://127.0.0.1:9/v1';
  await run('switchboard.health');
  assert.match(output.text, /ERROR: models\.list failed: Switchboard error -32002/);
  settings['switchboard.baseUrl'] = '';
});

test('deactivate shuts the daemon down (exit code 0)', async () => {
  assert.equal(await extension.deactivate(), 0);
  fs.rmSync(storage, { recursive: true, force: true });
});
