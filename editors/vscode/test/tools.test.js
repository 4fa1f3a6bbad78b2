'use strict';
// tools.js without VS Code: the editor tools' names and schemas, the path policy (nothing outside
// the workspace folder, links included; no binary files), listings, searches and line ranges.

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const tools = require('../tools');

const place = fs.mkdtempSync(path.join(os.tmpdir(), 'switchboard-tools-'));
const root = path.join(place, 'project');
const files = {
  'notes.txt': 'alpha\nbeta\ngamma beta\n',
  'src/app.py': 'print("beta")\n',
  'image.png': Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 1]),
  '.git/config': 'beta in git\n',
  'node_modules/lib/index.js': 'beta in a package\n',
};
for (const [name, content] of Object.entries(files)) {
  fs.mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
  fs.writeFileSync(path.join(root, name), content);
}
fs.writeFileSync(path.join(place, 'secret.txt'), 'beta outside\n');
fs.symlinkSync(path.join(place, 'secret.txt'), path.join(root, 'link.txt'));
fs.symlinkSync(place, path.join(root, 'up'));

const opened = new Map([[fs.realpathSync(path.join(root, 'notes.txt')), 'alpha (unsaved)\n']]);
const host = { roots: [root], openText: (file) => opened.get(file), propose: async () => true };
const call = (name, args) => tools.run(name, args, host);

test('the tools: names and strict schemas, as the Neovim plugin offers them', () => {
  const offered = tools.definitions();
  assert.deepEqual(offered.map((t) => t.function.name), ['read_file', 'list_files', 'search', 'propose_edit']);
  for (const tool of offered) {
    const { parameters } = tool.function;
    assert.equal(tool.type, 'function');
    assert.equal(parameters.additionalProperties, false);
    assert.deepEqual([...parameters.required].sort(), Object.keys(parameters.properties).sort(), `${tool.function.name}: every property required`);
  }
  assert.deepEqual(Object.keys(offered[3].function.parameters.properties), ['path', 'start_line', 'end_line', 'replacement']);
});

test('read_file: the text of an open document first, else the file; never outside the folder, through a link, or a binary file', async () => {
  assert.deepEqual(await call('read_file', { path: 'notes.txt' }), { content: 'alpha (unsaved)\n' });
  assert.deepEqual(await call('read_file', { path: 'src/app.py' }), { content: 'print("beta")\n' });
  assert.deepEqual(await call('read_file', { path: path.join(root, 'src/app.py') }), { content: 'print("beta")\n' }, 'an absolute path inside');
  for (const outside of ['../secret.txt', path.join(place, 'secret.txt'), 'link.txt', 'up/secret.txt', '/etc/passwd', 'src/../../secret.txt']) {
    const answer = await call('read_file', { path: outside });
    assert.equal(answer.is_error, true, outside);
    assert.match(answer.content, /outside the workspace folder/, outside);
  }
  assert.deepEqual(await call('read_file', { path: 'image.png' }), { content: 'image.png is a binary file', is_error: true });
  assert.deepEqual(await call('read_file', { path: 'missing.txt' }), { content: 'no file missing.txt (list_files lists them)', is_error: true });
  assert.deepEqual(await call('read_file', { path: 'src' }), { content: 'no file src (list_files lists them)', is_error: true });
  assert.deepEqual(await call('read_file', {}), { content: 'no path given', is_error: true });
  assert.deepEqual(await tools.run('read_file', { path: 'notes.txt' }, { ...host, roots: [] }), { content: 'no workspace folder is open: the tools read only inside one', is_error: true });
  const big = path.join(root, 'big.txt');
  fs.writeFileSync(big, 'x'.repeat(tools.MAX_READ_BYTES + 10));
  const cut = await call('read_file', { path: 'big.txt' });
  assert.ok(cut.content.endsWith(`\n[cut at ${tools.MAX_READ_BYTES} bytes]`));
  fs.rmSync(big);
});

test('list_files: sorted, without .git and node_modules or links; a folder; nothing outside', async () => {
  assert.deepEqual((await call('list_files', { path: '.' })).content.split('\n'), ['image.png', 'notes.txt', 'src/app.py']);
  assert.deepEqual(await call('list_files', { path: 'src' }), { content: 'src/app.py' });
  assert.equal((await call('list_files', { path: '..' })).is_error, true);
  assert.deepEqual(await call('list_files', { path: 'notes.txt' }), { content: 'no folder notes.txt', is_error: true });
});

test('search: fixed text, "path:line:text", skipping binary files, .git, node_modules and links', async () => {
  assert.deepEqual((await call('search', { query: 'beta' })).content.split('\n'), ['notes.txt:2:beta', 'notes.txt:3:gamma beta', 'src/app.py:1:print("beta")']);
  assert.deepEqual(await call('search', { query: 'b.ta' }), { content: 'no match for b.ta' });
  assert.deepEqual(await call('search', { query: '' }), { content: 'no query given', is_error: true });
});

test('propose_edit: the host decides; bad arguments and paths outside are refused before it is asked', async () => {
  const asked = [];
  const deciding = { ...host, propose: async (edit) => { asked.push(edit); return false; } };
  assert.deepEqual(await tools.run('propose_edit', { path: 'src/app.py', start_line: 1, end_line: 1, replacement: 'x' }, deciding), { content: 'rejected: the user did not apply the edit' });
  assert.deepEqual(asked, [{ file: fs.realpathSync(path.join(root, 'src/app.py')), first: 1, last: 1, replacement: 'x', name: 'src/app.py' }]);
  assert.equal((await tools.run('propose_edit', { path: 'link.txt', start_line: 1, end_line: 1, replacement: 'x' }, deciding)).is_error, true);
  assert.deepEqual(await tools.run('propose_edit', { path: 'src/app.py', start_line: 'one', end_line: 1, replacement: 'x' }, deciding), { content: 'propose_edit needs path, start_line, end_line and replacement', is_error: true });
  assert.equal(asked.length, 1);
  assert.deepEqual(await call('rm_rf', {}), { content: 'no tool rm_rf in this editor', is_error: true });
});

test('lineRange: replaced, inserted and removed lines, with the newline the text had', () => {
  const apply = (text, first, last, replacement) => {
    const range = tools.lineRange(text, first, last, replacement);
    return range && text.slice(0, range.start) + range.text + text.slice(range.end);
  };
  assert.equal(apply('a\nb\nc\n', 2, 2, 'B'), 'a\nB\nc\n');
  assert.equal(apply('a\nb\nc\n', 2, 3, 'X\n'), 'a\nX\n');
  assert.equal(apply('a\nb\nc', 3, 3, 'C'), 'a\nb\nC');
  assert.equal(apply('a\nb\n', 1, 0, 'top'), 'top\na\nb\n');
  assert.equal(apply('a\nb\n', 3, 2, 'end'), 'a\nb\nend\n');
  assert.equal(apply('a\nb', 3, 2, 'end'), 'a\nb\nend');
  assert.equal(apply('a\nb\n', 2, 2, ''), 'a\n');
  assert.equal(apply('', 1, 0, 'x'), 'x\n');
  assert.equal(tools.lineRange('a\n', 3, 3, 'x'), null);
  assert.equal(tools.lineRange('a\nb\n', 2, 0, 'x'), null);
});

test.after(() => fs.rmSync(place, { recursive: true, force: true }));
