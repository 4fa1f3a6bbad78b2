'use strict';
// index.d.ts, the type declarations of switchboard.js: it declares every export and only methods
// the client has; package.json points to it and packs it. With $SWITCHBOARD_TSC (a TypeScript
// compiler; .ci/run installs Debian's), a user's script (test/typed/user-script.ts) type-checks
// with --strict against it, Node's types given by test/typed/node-shim.d.ts.

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const client = require('../switchboard');

const root = path.join(__dirname, '..');
const declarations = fs.readFileSync(path.join(root, 'index.d.ts'), 'utf8');
const manifest = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));

test('index.d.ts declares every export, and only methods the classes have', () => {
  for (const name of Object.keys(client)) assert.match(declarations, new RegExp(`export (class|const) ${name}\\b`), name);
  const classes = [...declarations.matchAll(/export class (\w+)[^{]*\{([\s\S]*?)\n\}/g)];
  assert.ok(classes.length >= 5);
  for (const [, name, body] of classes) {
    for (const [, method] of body.matchAll(/^ {2}(?:static )?(\w+)\(/gm)) {
      if (method === 'constructor' || method === 'on') continue;
      const owner = /static/.test(body.split(`${method}(`)[0].split('\n').pop()) ? client[name] : client[name].prototype;
      assert.equal(typeof owner[method], 'function', `${name}.${method}`);
    }
  }
});

test('package.json names and packs the declarations', () => {
  assert.equal(manifest.types, 'index.d.ts');
  assert.ok(manifest.files.includes('index.d.ts'));
});

test('a user\'s script type-checks with tsc --strict', { skip: !process.env.SWITCHBOARD_TSC && 'SWITCHBOARD_TSC is not set' }, () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchboard-tsc-'));
  try {
    const config = {
      compilerOptions: {
        strict: true, noEmit: true, target: 'ES2022', lib: ['ES2022', 'DOM'], module: 'commonjs',
        moduleResolution: 'node', types: [], baseUrl: root, paths: { 'switchboard-client': ['index.d.ts'] },
      },
      files: [path.join(__dirname, 'typed', 'node-shim.d.ts'), path.join(__dirname, 'typed', 'user-script.ts')],
    };
    fs.writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify(config));
    execFileSync(process.env.SWITCHBOARD_TSC, ['-p', dir], { encoding: 'utf8', stdio: 'pipe' });
  } catch (error) {
    assert.fail(`${error.stdout || ''}${error.stderr || error.message}`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
