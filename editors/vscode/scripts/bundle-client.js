'use strict';
// vscode:prepublish: copies the Node client into the extension, which is packaged without links,
// and the repository's LICENSE (Apache-2.0), which vsce packs beside the manifest.
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
fs.copyFileSync(path.join(root, '..', 'node', 'switchboard.js'), path.join(root, 'switchboard.js'));
const license = path.join(root, '..', '..', 'LICENSE');
if (fs.existsSync(license)) fs.copyFileSync(license, path.join(root, 'LICENSE'));
