'use strict';
// The extension's manifest and packaging, checked without VS Code or vsce: the manifest's
// commands, keys, menus and settings agree with the code, and the files vsce would pack hold no
// link and work outside the repository once `vscode:prepublish` has bundled the Node client.

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync } = require('node:child_process');

const root = path.join(__dirname, '..');
const manifest = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const contributed = manifest.contributes.commands.map((c) => c.command).sort();

test('every contributed command is registered by extension.js, and only those', () => {
  const extension = fs.readFileSync(path.join(root, 'extension.js'), 'utf8');
  const registered = [...extension.matchAll(/^ {4}'(switchboard\.\w+)':/gm)].map((m) => m[1]).sort();
  assert.deepEqual(registered, contributed);
  for (const command of manifest.contributes.commands) assert.equal(command.category, 'Switchboard');
});

test('keybindings and menus name contributed commands; editor keys have when clauses', () => {
  for (const binding of manifest.contributes.keybindings) {
    assert.ok(contributed.includes(binding.command), binding.command);
    assert.ok(binding.mac, `${binding.command} has a macOS key`);
    if (binding.command !== 'switchboard.openChat') assert.ok(binding.when, `${binding.command} has a when clause`);
  }
  for (const items of Object.values(manifest.contributes.menus)) {
    for (const item of items) assert.ok(contributed.includes(item.command), item.command);
  }
});

test('settings that choose the program, the server or the profile are machine-scoped', () => {
  const properties = manifest.contributes.configuration.properties;
  for (const key of ['path', 'baseUrl', 'profile', 'tools', 'store']) {
    assert.ok(['machine', 'application'].includes(properties[`switchboard.${key}`].scope), `switchboard.${key} is machine-scoped`);
  }
  const untrusted = manifest.capabilities.untrustedWorkspaces;
  assert.equal(untrusted.supported, 'limited');
  for (const key of untrusted.restrictedConfigurations) assert.ok(properties[key], key);
  for (const key of Object.keys(properties)) {
    assert.ok(properties[key].scope === 'machine' || untrusted.restrictedConfigurations.includes(key), `${key} is either machine-scoped or restricted`);
  }
});

test('activation: on every contributed command, and Markdown (chat documents); no macOS key of VS Code is taken', () => {
  const events = manifest.activationEvents;
  for (const command of contributed) assert.ok(events.includes(`onCommand:${command}`), command);
  assert.deepEqual(events.filter((e) => !e.startsWith('onCommand:')), ['onLanguage:markdown']);
  // Toggle Developer Tools, Copy Path, Reveal in Finder, Find, Save All, Close Editor
  const taken = ['cmd+alt+i', 'cmd+alt+c', 'cmd+alt+r', 'cmd+f', 'cmd+alt+s', 'cmd+w'];
  for (const binding of manifest.contributes.keybindings) assert.ok(!taken.includes(binding.mac), `${binding.command}: ${binding.mac}`);
});

test('the settings read by core.readSettings are the contributed ones', () => {
  const properties = manifest.contributes.configuration.properties;
  const asked = {};
  require('../core').readSettings((key, fallback) => { asked[key] = fallback; return fallback; });
  assert.deepEqual(Object.keys(asked).map((k) => `switchboard.${k}`).sort(), Object.keys(properties).sort());
  for (const [key, fallback] of Object.entries(asked)) {
    if (typeof fallback !== 'object') assert.equal(properties[`switchboard.${key}`].default, fallback, key);
  }
});

test('marketplace fields: icon (a 128x128 PNG), categories, licence field, prepublish; no placeholder URL', () => {
  const icon = fs.readFileSync(path.join(root, manifest.icon));
  assert.equal(icon.subarray(1, 4).toString(), 'PNG');
  assert.deepEqual([icon.readUInt32BE(16), icon.readUInt32BE(20)], [128, 128]);
  for (const category of manifest.categories) assert.ok(['AI', 'Chat', 'Programming Languages', 'Other'].includes(category), category);
  // no repository is published: no repository, bugs or homepage URL stands in for one
  for (const field of ['repository', 'bugs', 'homepage']) assert.equal(manifest[field], undefined, field);
  const text = fs.readFileSync(path.join(root, 'package.json'), 'utf8');
  assert.doesNotMatch(text, /\bOWNER\b|\bUSER(NAME)?\b|example\.(com|org)|TODO|FIXME/, 'a placeholder is left in package.json');
  assert.ok(manifest.license && manifest.publisher && manifest.displayName && manifest.description);
  assert.equal(manifest.scripts['vscode:prepublish'], 'node scripts/bundle-client.js');
});

/** A .vscodeignore pattern as a regular expression over paths relative to the extension. */
const glob = (pattern) => new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*\*/g, '\0').replace(/\*/g, '[^/]*').replace(/\0/g, '.*')}$`);

/** The files vsce would pack: all but those .vscodeignore names. */
function packed() {
  const ignored = fs.readFileSync(path.join(root, '.vscodeignore'), 'utf8').split('\n').filter(Boolean).map(glob);
  const walk = (dir) => fs.readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((entry) => {
    const relative = path.posix.join(dir, entry.name);
    return entry.isDirectory() ? walk(relative) : [{ relative, link: entry.isSymbolicLink() }];
  });
  return walk('').filter(({ relative }) => !ignored.some((pattern) => pattern.test(relative)));
}

test('the package holds no link, and runs outside the repository after vscode:prepublish', () => {
  const files = packed();
  assert.deepEqual(files.filter((f) => f.link), []);
  const names = files.map((f) => f.relative);
  for (const needed of ['extension.js', 'core.js', 'chat.js', 'rewrite.js', 'agent.js', 'tools.js', 'conversation.js', 'client.js', 'package.json', 'README.md', manifest.icon]) {
    assert.ok(names.includes(needed), `${needed} is packed`);
  }
  const place = fs.mkdtempSync(path.join(os.tmpdir(), 'switchboard-package-'));
  try {
    for (const name of [...names, 'scripts/bundle-client.js']) {
      fs.mkdirSync(path.dirname(path.join(place, 'ext', name)), { recursive: true });
      fs.copyFileSync(path.join(root, name), path.join(place, 'ext', name));
    }
    fs.mkdirSync(path.join(place, 'node'));
    fs.copyFileSync(path.join(root, '..', 'node', 'switchboard.js'), path.join(place, 'node', 'switchboard.js'));
    execFileSync(process.execPath, [path.join(place, 'ext', 'scripts', 'bundle-client.js')]);
    fs.rmSync(path.join(place, 'node'), { recursive: true });
    const client = require(path.join(place, 'ext', 'client.js'));
    assert.equal(typeof client.Switchboard, 'function');
  } finally {
    fs.rmSync(place, { recursive: true, force: true });
  }
});

test('only the glue modules load the vscode module', () => {
  for (const file of fs.readdirSync(root).filter((f) => f.endsWith('.js'))) {
    const loads = /require\(['"]vscode['"]\)/.test(fs.readFileSync(path.join(root, file), 'utf8'));
    assert.equal(loads, ['extension.js', 'chat.js', 'rewrite.js', 'agent.js'].includes(file), file);
  }
});
