'use strict';
// A conversation written as Markdown (the format every Switchboard editor client shares, see
// editors/README.md): blocks under the headings "## System", "## You" and "## Assistant";
// headings inside fenced code are text; a "## You" line `![...](path or URL)` attaches an image.
// Pure functions over text, so that a chat document and a saved .md file read alike.

const path = require('node:path');

const HEADINGS = { '## System': 'system', '## You': 'user', '## Assistant': 'assistant' };
const CANCELLED = '[cancelled]';

function trimmed(lines) {
  let first = 0;
  let last = lines.length;
  while (first < last && !lines[first].trim()) first++;
  while (last > first && !lines[last - 1].trim()) last--;
  return lines.slice(first, last);
}

/** The blocks of `text`: [{role, lines}]. Text before the first heading belongs to no block. */
function blocks(text) {
  const found = [];
  let fence = null;
  for (const line of text.split('\n')) {
    const role = fence ? undefined : HEADINGS[line.trim()];
    if (role) {
      found.push({ role, lines: [] });
      continue;
    }
    const ticks = /^\s*(`{3,})/.exec(line);
    if (ticks && !fence) fence = ticks[1];
    else if (fence && new RegExp(`^\\s*${fence}\`*\\s*$`).test(line)) fence = null;
    if (found.length) found[found.length - 1].lines.push(line);
  }
  return found;
}

/** `target` as the daemon takes it: URLs as they are, paths made absolute against `baseDir`. */
function imageUrl(target, baseDir) {
  return /^[A-Za-z][\w+.-]*:/.test(target) ? target : path.resolve(baseDir, target);
}

function userContent(lines, baseDir) {
  const text = [];
  const images = [];
  for (const line of lines) {
    const image = /^\s*!\[[^\]]*\]\((.+)\)\s*$/.exec(line);
    if (image) images.push({ type: 'image_url', image_url: { url: imageUrl(image[1], baseDir) } });
    else text.push(line);
  }
  const joined = trimmed(text).join('\n');
  return images.length ? [{ type: 'text', text: joined }, ...images] : joined;
}

/**
 * The chat messages of `text`; relative image paths are resolved against `baseDir`. An answer's
 * closing "[cancelled]" is left out (the partial text stays); an answer that is only an
 * "[error ...]" note is left out with the question it failed to answer; empty blocks too.
 */
function messages(text, baseDir) {
  const found = [];
  for (const block of blocks(text)) {
    let body = trimmed(block.lines);
    if (block.role === 'assistant' && body[body.length - 1] === CANCELLED) body = trimmed(body.slice(0, -1));
    const joined = body.join('\n');
    if (block.role === 'assistant' && joined.startsWith('[error')) {
      if (found.length && found[found.length - 1].role === 'user') found.pop();
    } else if (joined) {
      found.push({ role: block.role, content: block.role === 'user' ? userContent(body, baseDir) : joined });
    }
  }
  return found;
}

const hasImage = (list) => list.some((message) => Array.isArray(message.content));

/** Whether the last block is a "## You" block with text (a message to send). */
function pending(text) {
  const all = blocks(text);
  const last = all[all.length - 1];
  return Boolean(last && last.role === 'user' && trimmed(last.lines).length);
}

/** Whether `text` looks like a conversation (it has a "## You" or "## System" heading). */
const isConversation = (text) => /^## (You|System)\s*$/m.test(text);

/** The text of a new conversation: an optional system prompt, then an empty "## You" block. */
const fresh = (system) => `${system ? `## System\n${system}\n\n` : ''}## You\n`;

/** `text` as a fenced block under a title line (a fence longer than any run of backticks inside). */
function fenced(title, text, language = '') {
  const longest = Math.max(2, ...(text.match(/`+/g) || []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  return `${title}\n${fence}${language}\n${text.replace(/\n+$/, '')}\n${fence}`;
}

/** The code of a model's answer: its first fenced block's content, or the whole answer trimmed. */
function codeOf(text) {
  const open = /^[ \t]*(`{3,})[^\n]*\n/m.exec(text);
  if (!open) return text.trim();
  const start = open.index + open[0].length;
  const close = new RegExp(`^[ \\t]*${open[1]}\`*[ \\t]*$`, 'm').exec(text.slice(start));
  return close ? text.slice(start, start + close.index).replace(/\n$/, '') : text.trim();
}

module.exports = { CANCELLED, blocks, imageUrl, messages, hasImage, pending, isConversation, fresh, fenced, codeOf };
