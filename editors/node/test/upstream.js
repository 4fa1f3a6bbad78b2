'use strict';
// The echo upstream's log (`GET /echo/log`, see Sources/TestSupport/EchoUpstream.swift): what it
// received and how many connections are open, for tests that check the upstream's side.

const http = require('node:http');

/** The log, over a connection of its own that closes at once (an idle keep-alive connection would count as open). */
function log() {
  const url = new URL('/echo/log', process.env.OPENAI_BASE_URL);
  return new Promise((resolve, reject) => {
    http.get(url, { agent: false, headers: { connection: 'close' } }, (answer) => {
      const chunks = [];
      answer.on('data', (chunk) => chunks.push(chunk));
      answer.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString('utf8'))));
    }).on('error', reject);
  });
}

/** The bodies of the chat completion requests received so far, oldest first. */
async function chatRequests() {
  return (await log()).requests
    .filter((r) => r.method === 'POST' && r.path.endsWith('/chat/completions'))
    .map((r) => r.body);
}

/** Polls `predicate` (which may be async) every 20 ms until true or `ms` pass; resolves to its last value. */
async function waitUntil(predicate, ms = 5000) {
  const deadline = Date.now() + ms;
  while (!(await predicate()) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  return predicate();
}

module.exports = { log, chatRequests, waitUntil };
