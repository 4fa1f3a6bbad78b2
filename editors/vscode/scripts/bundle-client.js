'use strict';
// vscode:prepublish: copies the Node client into the extension, which is packaged without links.
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
fs.copyFileSync(path.join(root, '..', 'node', 'switchboard.js'), path.join(root, 'switchboard.js'));
