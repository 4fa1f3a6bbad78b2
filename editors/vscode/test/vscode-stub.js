'use strict';
// The part of the `vscode` API the extension uses, enough to run extension.js under `node --test`:
// documents over strings (file documents read from and saved to disk), edits that fire change
// events, editors and their decorations, settings, secrets, commands, workspace folders and
// trust, and a window whose dialogs answer from queues the tests fill (`answers`). Everything the
// extension shows is recorded in `shown`.

const fs = require('node:fs');
const path = require('node:path');

class EventEmitter {
  constructor() {
    this.listeners = new Set();
    this.event = (listener) => {
      this.listeners.add(listener);
      return { dispose: () => this.listeners.delete(listener) };
    };
  }

  fire(value) {
    for (const listener of [...this.listeners]) listener(value);
  }

  dispose() {
    this.listeners.clear();
  }
}

class Position {
  constructor(line, character) {
    this.line = line;
    this.character = character;
  }
}

class Range {
  constructor(a, b, c, d) {
    [this.start, this.end] = typeof a === 'number' ? [new Position(a, b), new Position(c, d)] : [a, b];
  }

  get isEmpty() {
    return this.start.line === this.end.line && this.start.character === this.end.character;
  }
}

class Selection extends Range {
  constructor(anchor, active) {
    super(anchor, active);
    this.anchor = anchor;
    this.active = active;
  }
}

class ThemeColor {
  constructor(id) {
    this.id = id;
  }
}

/** A cancellation token source: `cancel()` fires the token's onCancellationRequested. */
class CancellationTokenSource {
  constructor() {
    const cancelled = new EventEmitter();
    this.token = { isCancellationRequested: false, onCancellationRequested: cancelled.event };
    this.cancelled = cancelled;
  }

  cancel() {
    if (this.token.isCancellationRequested) return;
    this.token.isCancellationRequested = true;
    this.cancelled.fire();
  }

  dispose() {}
}

class Uri {
  constructor(scheme, uriPath, query = '') {
    this.scheme = scheme;
    this.path = uriPath;
    this.query = query;
    this.fsPath = uriPath;
  }

  static file(file) {
    return new Uri('file', path.resolve(file));
  }

  static parse(text) {
    const match = /^([\w.+-]+):(\/\/)?([^?]*)(?:\?(.*))?$/.exec(text);
    return new Uri(match[1], match[3], match[4] || '');
  }

  toString() {
    return `${this.scheme}:${this.scheme === 'file' ? '//' : ''}${this.path}${this.query ? `?${this.query}` : ''}`;
  }
}

const LANGUAGES = { '.md': 'markdown', '.lua': 'lua', '.py': 'python', '.js': 'javascript', '.txt': 'plaintext' };

class TextDocument {
  constructor(uri, text, languageId) {
    this.uri = uri;
    this.text = text;
    this.languageId = languageId;
    this.version = 1;
    this.isClosed = false;
    this.saves = 0;
  }

  getText(range) {
    return range ? this.text.slice(this.offsetAt(range.start), this.offsetAt(range.end)) : this.text;
  }

  positionAt(offset) {
    const before = this.text.slice(0, Math.max(0, Math.min(offset, this.text.length))).split('\n');
    return new Position(before.length - 1, before[before.length - 1].length);
  }

  offsetAt(position) {
    const lines = this.text.split('\n');
    let offset = 0;
    for (let line = 0; line < position.line && line < lines.length; line++) offset += lines[line].length + 1;
    return offset + position.character;
  }

  get lineCount() {
    return this.text.split('\n').length;
  }

  async save() {
    this.saves++;
    if (this.uri.scheme === 'file') fs.writeFileSync(this.uri.fsPath, this.text);
    return true;
  }
}

class WorkspaceEdit {
  constructor() {
    this.edits = [];
  }

  insert(uri, position, text) {
    this.edits.push({ uri, range: new Range(position, position), text });
  }

  replace(uri, range, text) {
    this.edits.push({ uri, range, text });
  }
}

// --- state the tests inspect and drive ----------------------------------------------------

const answers = { input: [], pick: [], info: [], open: [] };
const shown = { info: [], warnings: [], errors: [], picks: [], pickOptions: [], diffs: [], appliedEdits: 0, editorEdits: [], decorations: [] };
const contexts = {};
const settings = {};
const providers = {};
const documents = new Map();
const registered = new Map();

const events = {
  changeDocument: new EventEmitter(),
  closeDocument: new EventEmitter(),
  changeTabs: new EventEmitter(),
  changeConfiguration: new EventEmitter(),
  changeEditor: new EventEmitter(),
  changeVisibleEditors: new EventEmitter(),
};

/** Applies `edits` ({range, text}) to `document` (later ones first) and fires the change. */
function applyTo(document, edits) {
  const changes = edits
    .map((e) => ({ rangeOffset: document.offsetAt(e.range.start), rangeLength: document.offsetAt(e.range.end) - document.offsetAt(e.range.start), text: e.text, range: e.range }))
    .sort((a, b) => b.rangeOffset - a.rangeOffset);
  for (const c of changes) document.text = document.text.slice(0, c.rangeOffset) + c.text + document.text.slice(c.rangeOffset + c.rangeLength);
  document.version++;
  events.changeDocument.fire({ document, contentChanges: changes });
}

class TextEditor {
  constructor(document) {
    this.document = document;
    const end = document.positionAt(document.text.length);
    this.selection = new Selection(end, end);
  }

  get selections() {
    return [this.selection];
  }

  async edit(callback, options = {}) {
    const edits = [];
    callback({
      insert: (position, text) => edits.push({ range: new Range(position, position), text }),
      replace: (range, text) => edits.push({ range, text }),
    });
    shown.editorEdits.push({ edits: edits.map((e) => e.text), ...options });
    applyTo(this.document, edits);
    return true;
  }

  revealRange() {}

  /** Records the decorations of `type` now shown (each set replaces the last of its type). */
  setDecorations(type, ranges) {
    shown.decorations.push({ editor: this, type, ranges: ranges.map((r) => (r instanceof Range ? { range: r } : r)) });
  }
}

/** The decorations of `type` last set in `editor` (`{range, renderOptions}`). */
function decorationsOf(editor, type) {
  const sets = shown.decorations.filter((d) => d.editor === editor && d.type === type);
  return sets.length ? sets[sets.length - 1].ranges : [];
}

const window = {
  activeTextEditor: undefined,
  visibleTextEditors: [],
  tabGroups: { all: [], close: async () => true, onDidChangeTabs: events.changeTabs.event },
  onDidChangeActiveTextEditor: events.changeEditor.event,
  onDidChangeVisibleTextEditors: events.changeVisibleEditors.event,
  async showTextDocument(document) {
    const editor = window.visibleTextEditors.find((e) => e.document === document) || new TextEditor(document);
    if (!window.visibleTextEditors.includes(editor)) {
      window.visibleTextEditors.push(editor);
      events.changeVisibleEditors.fire([...window.visibleTextEditors]);
    }
    window.activeTextEditor = editor;
    events.changeEditor.fire(editor);
    return editor;
  },
  async showInputBox() {
    return answers.input.shift();
  },
  async showQuickPick(items, options, token) {
    shown.picks.push(items);
    shown.pickOptions.push(options);
    const answer = answers.pick.shift();
    return typeof answer === 'function' ? answer(items, options, token) : answer;
  },
  async showInformationMessage(message, ...items) {
    shown.info.push(message);
    return items.length ? answers.info.shift() : undefined;
  },
  async showWarningMessage(message) {
    shown.warnings.push(message);
  },
  async showErrorMessage(message) {
    shown.errors.push(message);
  },
  async showOpenDialog() {
    return answers.open.shift();
  },
  createOutputChannel() {
    return { text: '', append(t) { this.text += t; }, appendLine(t) { this.text += `${t}\n`; }, show() {}, dispose() {} };
  },
  createTextEditorDecorationType(options) {
    return { options, dispose() {} };
  },
  createStatusBarItem() {
    return { text: '', tooltip: '', command: '', visible: false, show() { this.visible = true; }, hide() { this.visible = false; }, dispose() {} };
  },
};

const workspace = {
  workspaceFolders: undefined,
  isTrusted: true,
  get textDocuments() {
    return [...documents.values()];
  },
  onDidChangeTextDocument: events.changeDocument.event,
  onDidCloseTextDocument: events.closeDocument.event,
  onDidChangeConfiguration: events.changeConfiguration.event,
  async openTextDocument(target) {
    const key = target.toString();
    if (documents.has(key)) return documents.get(key);
    const text = target.scheme === 'file' ? fs.readFileSync(target.fsPath, 'utf8') : await providers[target.scheme].provideTextDocumentContent(target);
    const document = new TextDocument(target, text, LANGUAGES[path.extname(target.path)] || 'plaintext');
    documents.set(key, document);
    return document;
  },
  async applyEdit(edit) {
    shown.appliedEdits++;
    for (const uri of new Set(edit.edits.map((e) => e.uri.toString()))) {
      applyTo(documents.get(uri), edit.edits.filter((e) => e.uri.toString() === uri));
    }
    return true;
  },
  getConfiguration(section) {
    return {
      get: (key, fallback) => settings[`${section}.${key}`] ?? fallback,
      update: async (key, value) => {
        settings[`${section}.${key}`] = value;
        events.changeConfiguration.fire({ affectsConfiguration: (name) => `${section}.${key}`.startsWith(name) });
      },
    };
  },
  registerTextDocumentContentProvider(scheme, provider) {
    providers[scheme] = provider;
    return { dispose() {} };
  },
  asRelativePath(uri) {
    return path.basename(uri.fsPath);
  },
};

const commands = {
  registerCommand(name, run) {
    registered.set(name, run);
    return { dispose: () => registered.delete(name) };
  },
  async executeCommand(name, ...args) {
    if (name === 'setContext') contexts[args[0]] = args[1];
    else if (name === 'vscode.diff') shown.diffs.push(args);
    else return registered.get(name)(...args);
    return undefined;
  },
};

/** An ExtensionContext whose global storage is `storage` and whose secrets live in memory. */
function extensionContext(storage) {
  const secrets = new Map();
  const changed = new EventEmitter();
  return {
    subscriptions: [],
    globalStorageUri: Uri.file(storage),
    secrets: {
      get: async (key) => secrets.get(key),
      store: async (key, value) => { secrets.set(key, value); changed.fire({ key }); },
      delete: async (key) => { secrets.delete(key); changed.fire({ key }); },
      onDidChange: changed.event,
    },
  };
}

module.exports = {
  EventEmitter, Position, Range, Selection, Uri, TextDocument, WorkspaceEdit, ThemeColor, CancellationTokenSource,
  window, workspace, commands,
  StatusBarAlignment: { Left: 1, Right: 2 },
  ViewColumn: { Active: -1, Beside: -2 },
  ConfigurationTarget: { Global: 1 },
  // for the tests
  answers, shown, contexts, settings, documents, extensionContext, decorationsOf,
  /** Closes the tab of the diff editor whose right side is `uri`, as the user's click does. */
  closeDiffTab(uri) {
    events.changeTabs.fire({ opened: [], changed: [], closed: [{ input: { original: undefined, modified: uri } }] });
  },
  /** Closes `document` as VS Code does when its last editor closes. */
  closeDocument(document) {
    document.isClosed = true;
    documents.delete(document.uri.toString());
    if (window.activeTextEditor && window.activeTextEditor.document === document) window.activeTextEditor = undefined;
    events.closeDocument.fire(document);
  },
};
