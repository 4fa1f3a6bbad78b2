'use strict';
// The shared corpus (editors/corpus): each chat file's messages and pending input, as its .json
// beside it says; every editor client's parser is tested against the same files.

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const conversation = require('../conversation');

const dir = path.resolve(__dirname, '../../corpus');
const files = fs.readdirSync(dir).filter((name) => name.endsWith('.md') && name !== 'README.md');

test('the corpus is there', () => {
  assert.ok(files.length >= 8, `corpus files in ${dir}: ${files.length}`);
});

for (const name of files) {
  test(`corpus ${name}`, () => {
    const expected = JSON.parse(fs.readFileSync(path.join(dir, name.replace(/\.md$/, '.json')), 'utf8').replaceAll('{dir}', dir));
    const text = fs.readFileSync(path.join(dir, name), 'utf8');
    assert.deepEqual(conversation.messages(text, dir), expected.messages);
    assert.equal(conversation.pending(text), expected.pending);
  });
}
