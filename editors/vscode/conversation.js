'use strict';
// A conversation written as Markdown (the format every Switchboard editor client shares, see
// editors/README.md): blocks under the headings "## System", "## You" and "## Assistant";
// headings inside fenced code are text; a "## You" line `![...](path or URL)` attaches an image.
// Pure functions over text, so that a chat document and a saved .md file read alike.

const path = require('node:path');

const HEADINGS = { '## System': 'system', '## You': 'user', '## Assistant': 'assistant' };
const CANCELLED = '[cancelled]';
const CUT_OFF = '[cut off]';

function trimmed(lines) {
  let first = 0;
  let last = lines.length;
  while (first < last && !lines[first].trim()) first++;
  while (last > first && !lines[last - 1].trim()) last--;
  return lines.slice(first, last);
}

/** Whether `line` is a note that ends an answer: [cancelled], [cut off] or [error ...]. */
function isNote(line) {
  const note = line.trim();
  return note === CANCELLED || note === CUT_OFF || /^\[error[ :].*\]$/.test(note);
}

/** The fence open after `line` when `fence` was open before it (null: none). */
function fenceAfter(fence, line) {
  const ticks = /^\s*(`{3,})/.exec(line);
  if (ticks && !fence) return ticks[1];
  if (fence && new RegExp(`^\\s*${fence}\`*\\s*$`).test(line)) return null;
  return fence;
}

/** The fence `text` leaves open (as "```"), or null when every fence is closed. */
const openFence = (text) => text.split('\n').reduce(fenceAfter, null);

/** Whether the first line of `lines` after index `index` that is not blank is a heading (or none is). */
function headingFollows(lines, index) {
  const next = lines.slice(index + 1).find((line) => line.trim());
  return next === undefined || HEADINGS[next.trim()] !== undefined;
}

/**
 * The blocks of `text`: [{role, lines, first}] (`first`: the index of the heading's line). Text before the first heading belongs to no block. A note
 * ending an answer, followed by a heading, closes a fence the answer left open (chats written
 * before answers closed theirs). Tool call records in an answer are not part of its text.
 */
function blocks(text) {
  const found = [];
  const lines = text.split('\n');
  let fence = null;
  let record = false;
  lines.forEach((line, index) => {
    const role = fence ? undefined : HEADINGS[line.trim()];
    if (role) {
      found.push({ role, lines: [], first: index });
      record = false;
      return;
    }
    const current = found[found.length - 1];
    // a tool call record in an answer ("> [tool] NAME … STATUS", then lines starting ">  ") is not text
    const answering = !fence && current && current.role === 'assistant';
    record = Boolean(answering && (/^> \[tool\] /.test(line) || (record && /^> {2}/.test(line))));
    if (record) return;
    const closesStaleFence = fence && current && current.role === 'assistant' && isNote(line) && headingFollows(lines, index);
    fence = closesStaleFence ? null : fenceAfter(fence, line);
    if (current) current.lines.push(line);
  });
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
 * closing note ([cancelled], [cut off], [error ...]) is left out (the partial text stays); an answer
 * that is only an error is left out with the question it failed to answer; empty blocks too.
 */
function messages(text, baseDir) {
  const found = [];
  for (const block of blocks(text)) {
    let body = trimmed(block.lines);
    let failed = false;
    if (block.role === 'assistant' && body.length && isNote(body[body.length - 1])) {
      failed = body[body.length - 1].trim().startsWith('[error');
      body = trimmed(body.slice(0, -1));
    }
    const joined = body.join('\n');
    if (block.role === 'assistant' && (joined.startsWith('[error') || (failed && !joined))) {
      if (found.length && found[found.length - 1].role === 'user') found.pop();
    } else if (joined) {
      found.push({ role: block.role, content: block.role === 'user' ? userContent(body, baseDir) : joined });
    }
  }
  return found;
}

/**
 * The lines that end an answer of `text` that finished with `outcome` ({error?, result?}): a fence
 * the answer left open, closed, then a note for a cancellation ([cancelled]), an error (one line)
 * or the token limit ([cut off]). Empty when the answer finished and closed its fences.
 */
function closing(text, outcome) {
  const lines = [];
  const fence = openFence(text);
  if (fence) lines.push(fence);
  const { error, result, cancelled } = outcome;
  if (cancelled) lines.push(CANCELLED);
  else if (error) lines.push(`[error${error.code !== undefined ? ` ${error.code}` : ''}: ${String(error.rpcMessage || error.message).replace(/\s*\n\s*/g, ' ')}]`);
  else if (result && result.choices && result.choices[0] && result.choices[0].finish_reason === 'length') lines.push(CUT_OFF);
  return lines;
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

/**
 * The inside of `text` when the whole of it (trailing blanks aside) is one fenced block, else
 * null: an answer inserted at the cursor keeps no fence a model added although asked not to.
 */
function unfenced(text) {
  const lines = text.replace(/\s+$/, '').split('\n');
  const open = /^(`{3,})[\w+.#-]*\s*$/.exec(lines[0]);
  if (!open || lines.length < 2 || !new RegExp(`^${open[1]}\\s*$`).test(lines[lines.length - 1])) return null;
  const inside = lines.slice(1, -1);
  const closing = new RegExp(`^\\s*${open[1]}\`*\\s*$`);
  return inside.some((line) => closing.test(line)) ? null : inside.join('\n');
}

/** The code of a model's answer: its first fenced block's content, or the whole answer trimmed. */
function codeOf(text) {
  const open = /^[ \t]*(`{3,})[^\n]*\n/m.exec(text);
  if (!open) return text.trim();
  const start = open.index + open[0].length;
  const close = new RegExp(`^[ \\t]*${open[1]}\`*[ \\t]*$`, 'm').exec(text.slice(start));
  return close ? text.slice(start, start + close.index).replace(/\n$/, '') : text.trim();
}

const MAX_RESULT_LINES = 12;

/** `value` on one line, at most `width` characters. */
function oneLine(value, width) {
  const text = (typeof value === 'string' ? value : JSON.stringify(value)).replace(/\s*\n\s*/g, ' ');
  return text.length > width ? `${text.slice(0, width)}…` : text;
}

/**
 * The lines recording tool call `call` (a tool.call notification's params) in an answer:
 * "> [tool] NAME … STATUS", then its arguments and result on lines starting ">   " (the parser
 * leaves them out of the answer's text).
 */
function toolRecord(call) {
  const lines = [`> [tool] ${call.name || '?'} … ${call.status || '?'}`];
  if (call.arguments !== undefined) lines.push(`>   arguments: ${oneLine(call.arguments, 300)}`);
  if (typeof call.result === 'string') {
    const result = call.result.trim().split('\n');
    if (result.length === 1) {
      lines.push(`>   result: ${oneLine(result[0], 300)}`);
    } else {
      lines.push('>   result:');
      for (const line of result.slice(0, MAX_RESULT_LINES)) lines.push(`>     ${oneLine(line, 200)}`);
      if (result.length > MAX_RESULT_LINES) lines.push(`>     … (${result.length - MAX_RESULT_LINES} more lines)`);
    }
  }
  return lines;
}

/** The text of a stored message's content: a string, or parts (text, and images as lines attaching them). */
function contentText(content) {
  if (typeof content === 'string') return content;
  return (Array.isArray(content) ? content : []).map((part) => {
    if (part && part.type === 'text' && typeof part.text === 'string') return part.text;
    if (part && part.type === 'image_url' && part.image_url) return `![image](${part.image_url.url})`;
    return null;
  }).filter((text) => text !== null).join('\n');
}

const ROLE_HEADINGS = { system: '## System', user: '## You', assistant: '## Assistant' };

/**
 * The chat text of stored `messages` (conversations.get's): one "## Assistant" block per run,
 * its tool calls as records (with their results), a cancelled answer ending with [cancelled];
 * then an empty "## You" block to go on in.
 */
function render(messages) {
  const lines = [];
  let role = null;
  messages.forEach((message, index) => {
    if (!ROLE_HEADINGS[message.role]) return;
    if (role !== message.role) {
      if (lines.length) lines.push('');
      lines.push(ROLE_HEADINGS[message.role]);
      role = message.role;
    }
    const text = contentText(message.content).replace(/\s+$/, '');
    if (text) lines.push(...text.split('\n'));
    // a call's result is the tool message answering it among those that follow this message
    const answers = [];
    for (let next = index + 1; next < messages.length && messages[next].role === 'tool'; next++) answers.push(messages[next]);
    for (const call of (message.role === 'assistant' && Array.isArray(message.tool_calls) ? message.tool_calls : [])) {
      const fn = call.function || {};
      let args = fn.arguments;
      try {
        args = JSON.parse(fn.arguments);
      } catch {
        // the text as the model wrote it
      }
      const answer = answers.find((tool) => tool.tool_call_id === call.id);
      lines.push(...toolRecord({ name: fn.name, status: 'called', arguments: args, result: answer && contentText(answer.content) }));
    }
    if (message.status === 'cancelled') {
      const fence = openFence(text);
      if (fence) lines.push(fence);
      lines.push(CANCELLED);
    }
  });
  if (lines.length) lines.push('');
  return `${lines.join('\n')}${lines.length ? '\n' : ''}## You\n`;
}

/** The token counts of a result's `usage` as a short note, or null. */
function usageNote(usage) {
  if (!usage || typeof usage.total_tokens !== 'number') return null;
  return `${usage.total_tokens} tokens (${usage.prompt_tokens || 0} in, ${usage.completion_tokens || 0} out)`;
}

/**
 * The offset in `text` where its last answer starts (the blank lines before its "## Assistant"
 * heading) when the chat ends with an answer and an empty "## You" block (or the answer); else null.
 */
function lastAnswerStart(text) {
  const all = blocks(text);
  let last = all.length - 1;
  if (last >= 0 && all[last].role === 'user' && !trimmed(all[last].lines).length) last--;
  if (last < 0 || all[last].role !== 'assistant') return null;
  const lines = text.split('\n');
  let first = all[last].first;
  while (first > 0 && !lines[first - 1].trim()) first--;
  return lines.slice(0, first).join('\n').length + (first > 0 ? 1 : 0);
}

module.exports = { toolRecord, render, usageNote, lastAnswerStart, CANCELLED, CUT_OFF, isNote, openFence, closing, unfenced, blocks, imageUrl, messages, hasImage, pending, isConversation, fresh, fenced, codeOf };
