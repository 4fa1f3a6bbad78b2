'use strict';
// The Node client (editors/node/switchboard.js): packaged beside the extension by
// `npm run vscode:prepublish` (vsce runs it), read from ../node in a checkout, so that the
// repository holds one copy and the package holds no link.
try {
  module.exports = require('./switchboard.js');
} catch (error) {
  if (error.code !== 'MODULE_NOT_FOUND') throw error;
  module.exports = require('../node/switchboard.js');
}
