'use strict';
// The editor's own tools, offered to the model in agent runs and run here when the daemon sends
// `tool.execute`: read an open document or a file of the workspace folder, list its files,
// search it, propose an edit (shown as the rewrite diff; the user's decision is the answer).
// The names, schemas and path policy are those of the Neovim plugin's tools.lua.
//
// The model is an untrusted party (a file it read can have prompt-injected it): every path it
// names is resolved inside the workspace folder and refused outside it, links included; binary
// files are not read; listings and searches are bounded. Free of the `vscode` module: the
// extension hands `run` a host ({roots, openText, propose}).

const fs = require('node:fs');
const path = require('node:path');

const MAX_READ_BYTES = 200 * 1024;
const MAX_FILES = 500;
const MAX_MATCHES = 200;
const MAX_MATCHES_PER_FILE = 20;
const MAX_SEARCHED_FILES = 5000;
const MAX_SEARCHED_BYTES = 1024 * 1024;
// folders a listing or a search does not enter
const SKIPPED = new Set(['.git', 'node_modules', '.build']);

const object = (properties, required) => ({ type: 'object', properties, required, additionalProperties: false });
const string = (description) => ({ type: 'string', description });

/** A failed call: its text is what the model is told. */
class ToolError extends Error {}

/** The real path of the workspace folder `root` (itself when it cannot be resolved). */
const realRoot = (root) => {
  try {
    return fs.realpathSync(root);
  } catch {
    return path.resolve(root);
  }
};

const inside = (root, file) => file === root || file.startsWith(root === path.sep ? root : root + path.sep);

/**
 * The absolute path of `given` (relative to the first of `roots`, the workspace folders) when it
 * is inside one of them, links resolved; throws a ToolError saying why not.
 */
function resolve(roots, given) {
  if (typeof given !== 'string' || given === '') throw new ToolError('no path given');
  if (!roots.length) throw new ToolError('no workspace folder is open: the tools read only inside one');
  const full = path.resolve(realRoot(roots[0]), given);
  let real;
  try {
    real = fs.realpathSync(full);
  } catch {
    // a file that does not exist yet: its folder is resolved
    try {
      real = path.join(fs.realpathSync(path.dirname(full)), path.basename(full));
    } catch {
      real = full;
    }
  }
  const home = roots.map(realRoot).find((root) => inside(root, full) && inside(root, real));
  if (!home) throw new ToolError(`${given} is outside the workspace folder (${roots.map(realRoot).join(', ')})`);
  return real;
}

/** The root holding `file` and `file` relative to it ("." for the root itself). */
function relative(roots, file) {
  const root = roots.map(realRoot).find((r) => inside(r, file)) || realRoot(roots[0]);
  return path.relative(root, file) || '.';
}

const isBinary = (bytes) => bytes.includes(0);

/** Up to `limit` files under `dir` (absolute), sorted, skipping SKIPPED folders and links. */
function filesUnder(dir, limit) {
  const found = [];
  const queue = [dir];
  while (queue.length && found.length < limit) {
    const current = queue.shift();
    let entries;
    try {
      entries = fs.readdirSync(current, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    } catch {
      continue;
    }
    for (const entry of entries) {
      const file = path.join(current, entry.name);
      if (entry.isDirectory() && !SKIPPED.has(entry.name)) queue.push(file);
      else if (entry.isFile() && found.length < limit) found.push(file);
    }
  }
  return found;
}

const TOOLS = {
  read_file: {
    description: 'Read a text file of the project (its open document, unsaved changes included, when the editor has it open). Paths are relative to the project root.',
    parameters: object({ path: string('The file, relative to the project root') }, ['path']),
    run(args, host) {
      const file = resolve(host.roots, args.path);
      let text = host.openText(file);
      if (text === undefined) {
        let bytes;
        try {
          if (!fs.statSync(file).isFile()) throw new Error('not a file');
          const handle = fs.openSync(file, 'r');
          try {
            bytes = Buffer.alloc(MAX_READ_BYTES + 1);
            bytes = bytes.subarray(0, fs.readSync(handle, bytes, 0, bytes.length, 0));
          } finally {
            fs.closeSync(handle);
          }
        } catch {
          throw new ToolError(`no file ${args.path} (list_files lists them)`);
        }
        if (isBinary(bytes)) throw new ToolError(`${args.path} is a binary file`);
        text = bytes.toString('utf8');
      }
      if (text.includes('\0')) throw new ToolError(`${args.path} is a binary file`);
      return Buffer.byteLength(text) > MAX_READ_BYTES
        ? `${Buffer.from(text).subarray(0, MAX_READ_BYTES).toString('utf8')}\n[cut at ${MAX_READ_BYTES} bytes]`
        : text;
    },
  },
  list_files: {
    description: `List the files of the project (at most ${MAX_FILES}), or of one of its folders, as paths relative to the project root.`,
    parameters: object({ path: string('The folder to list, relative to the project root; "." for the whole project') }, ['path']),
    run(args, host) {
      const dir = resolve(host.roots, args.path === undefined ? '.' : args.path);
      if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new ToolError(`no folder ${args.path}`);
      const files = filesUnder(dir, MAX_FILES + 1).map((file) => relative(host.roots, file));
      const more = files.length > MAX_FILES;
      return files.slice(0, MAX_FILES).join('\n') + (more ? `\n[more files: only the first ${MAX_FILES} are listed]` : '');
    },
  },
  search: {
    description: `Search the files of the project for a text (not a pattern); gives up to ${MAX_MATCHES} "path:line:text" lines.`,
    parameters: object({ query: string('The text to look for') }, ['query']),
    run(args, host) {
      if (typeof args.query !== 'string' || args.query === '') throw new ToolError('no query given');
      if (!host.roots.length) throw new ToolError('no workspace folder is open: the tools read only inside one');
      const found = [];
      for (const file of host.roots.flatMap((root) => filesUnder(realRoot(root), MAX_SEARCHED_FILES))) {
        if (found.length > MAX_MATCHES) break;
        let bytes;
        try {
          if (fs.statSync(file).size > MAX_SEARCHED_BYTES) continue;
          bytes = fs.readFileSync(file);
        } catch {
          continue;
        }
        if (isBinary(bytes)) continue;
        let inFile = 0;
        bytes.toString('utf8').split('\n').forEach((line, index) => {
          if (inFile < MAX_MATCHES_PER_FILE && found.length <= MAX_MATCHES && line.includes(args.query)) {
            inFile++;
            found.push(`${relative(host.roots, file)}:${index + 1}:${line.slice(0, 300)}`);
          }
        });
      }
      if (!found.length) return `no match for ${args.query}`;
      const more = found.length > MAX_MATCHES;
      return found.slice(0, MAX_MATCHES).join('\n') + (more ? '\n[more matches: narrow the query]' : '');
    },
  },
  propose_edit: {
    description: 'Propose replacing lines start_line..end_line (1-based, inclusive) of a project file with new text. The user sees the change as a diff and accepts or rejects it; the answer says which. end_line = start_line - 1 inserts before start_line.',
    parameters: object({
      path: string('The file, relative to the project root'),
      start_line: { type: 'integer', description: 'First line replaced (1-based)' },
      end_line: { type: 'integer', description: 'Last line replaced (inclusive)' },
      replacement: string('The new text of those lines'),
    }, ['path', 'start_line', 'end_line', 'replacement']),
    async run(args, host, signal) {
      const file = resolve(host.roots, args.path);
      const first = Number(args.start_line);
      const last = Number(args.end_line);
      if (typeof args.replacement !== 'string' || !Number.isInteger(first) || !Number.isInteger(last)) {
        throw new ToolError('propose_edit needs path, start_line, end_line and replacement');
      }
      const accepted = await host.propose({ file, first, last, replacement: args.replacement, name: args.path }, signal);
      return accepted
        ? `accepted: the user applied the edit to ${args.path} (not saved yet)`
        : 'rejected: the user did not apply the edit';
    },
  },
};

const NAMES = ['read_file', 'list_files', 'search', 'propose_edit'];

/** The function tools offered to the model, in order. */
function definitions() {
  return NAMES.map((name) => ({ type: 'function', function: { name, description: TOOLS[name].description, parameters: TOOLS[name].parameters } }));
}

/**
 * Runs tool `name` with `args` against `host` ({roots: workspace folders, openText(file) -> the
 * open document's text or undefined, propose({file, first, last, replacement, name}, signal) ->
 * whether the user accepted}); resolves to tool.execute's answer, `{content, is_error?}`.
 * `signal` aborts when the daemon cancels the request.
 */
async function run(name, args, host, signal) {
  const tool = Object.prototype.hasOwnProperty.call(TOOLS, name) ? TOOLS[name] : null;
  if (!tool) return { content: `no tool ${name} in this editor`, is_error: true };
  try {
    return { content: await tool.run(args && typeof args === 'object' ? args : {}, host, signal) };
  } catch (error) {
    return { content: error instanceof ToolError ? error.message : `${name} failed: ${error.message}`, is_error: true };
  }
}

/**
 * The range of lines `first`..`last` (1-based, inclusive; `last` = `first` - 1: none, an
 * insertion before `first`) of `text` as offsets, and `replacement` fitted to it (ending in a
 * newline when the range does); null when the lines are not in the text.
 */
function lineRange(text, first, last, replacement) {
  const starts = [0];
  for (let i = text.indexOf('\n'); i !== -1 && i + 1 < text.length; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  const count = text === '' ? 0 : starts.length;
  if (first < 1 || first > count + 1 || last < first - 1 || last > count) return null;
  const lineStart = (line) => (line <= starts.length && text !== '' ? starts[line - 1] : text.length);
  const start = lineStart(first);
  const body = replacement.replace(/\n$/, '');
  if (last >= first) {
    const end = lineStart(last + 1);
    return { start, end, text: body === '' ? '' : body + (text[end - 1] === '\n' ? '\n' : '') };
  }
  // an insertion before line `first` (after the last line when it is count + 1)
  const joined = start === text.length && text !== '' && !text.endsWith('\n') ? `\n${body}` : `${body}\n`;
  return { start, end: start, text: joined };
}

module.exports = { NAMES, MAX_READ_BYTES, MAX_FILES, MAX_MATCHES, definitions, run, resolve, lineRange, ToolError };
