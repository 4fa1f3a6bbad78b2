#!/usr/bin/env node
// Streaming: print the answer's tokens as the chat.delta notifications bring them.
import { run } from "./switchboard-client.mjs";

await run(async (switchboard) => {
  await switchboard.request("chat.complete", {
    model: "gpt-4o-mini",
    stream: true,
    messages: [{ role: "user", content: "Write a haiku about pipes." }],
  }, (method, params) => {
    if (method === "chat.delta") process.stdout.write(params.delta.content ?? "");
  });
  process.stdout.write("\n");
});
