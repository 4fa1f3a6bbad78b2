'use strict';
// The extension's manifest and packaging, checked without VS Code.

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const manifest = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const extension = fs.readFileSync(path.join(root, 'extension.js'), 'utf8');

test('every contributed command is registered by extension.js, and only those', () => {
  const contributed = manifest.contributes.commands.map((c) => c.command).sort();
  const registered = [...extension.matchAll(/registerCommand\('([^']+)'/g)].map((m) => m[1]).sort();
  assert.deepEqual(contributed, ['switchboard.cancel', 'switchboard.chat', 'switchboard.describeImage']);
  assert.deepEqual(registered, contributed);
  const titles = manifest.contributes.commands.map((c) => `${c.category}: ${c.title}`).sort();
  assert.deepEqual(titles, ['Switchboard: Cancel', 'Switchboard: Chat', 'Switchboard: Describe Image']);
});

test('the settings read by core.readSettings are the contributed ones, with the same defaults', () => {
  const properties = manifest.contributes.configuration.properties;
  const { readSettings } = require('../core');
  const asked = {};
  const settings = readSettings((key, fallback) => { asked[key] = fallback; return fallback; });
  assert.deepEqual(Object.keys(properties).sort(), Object.keys(asked).map((k) => `switchboard.${k}`).sort());
  for (const [key, fallback] of Object.entries(asked)) assert.equal(properties[`switchboard.${key}`].default, fallback);
  assert.equal(settings.path, 'switchboard');
});

test('switchboard.js is the Node client itself (a link), and packaging keeps it', () => {
  const link = path.join(root, 'switchboard.js');
  assert.ok(fs.lstatSync(link).isSymbolicLink(), 'editors/vscode/switchboard.js should be a symbolic link');
  assert.equal(fs.realpathSync(link), fs.realpathSync(path.join(root, '..', 'node', 'switchboard.js')));
  assert.equal(require('../switchboard'), require('../../node/switchboard'));
  // vsce packs a linked file as its content; .vscodeignore must not leave it (or core.js) out.
  const ignored = fs.readFileSync(path.join(root, '.vscodeignore'), 'utf8').split('\n').map((l) => l.trim()).filter(Boolean);
  assert.deepEqual(ignored, ['test/**', 'tests/**']);
  assert.equal(manifest.main, './extension.js');
  for (const required of [...extension.matchAll(/require\('\.\/([^']+)'\)/g)].map((m) => m[1])) {
    assert.ok(fs.existsSync(path.join(root, `${required}.js`)), `${required}.js is missing`);
  }
});

test('only extension.js loads the vscode module', () => {
  for (const file of fs.readdirSync(root).filter((f) => f.endsWith('.js') && f !== 'extension.js')) {
    assert.doesNotMatch(fs.readFileSync(path.join(root, file), 'utf8'), /require\(['"]vscode['"]\)/, file);
  }
});
