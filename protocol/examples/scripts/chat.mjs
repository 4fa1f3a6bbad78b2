#!/usr/bin/env node
// Plain chat: one question, one answer.
import { run } from "./switchboard-client.mjs";

await run(async (switchboard) => {
  const completion = await switchboard.request("chat.complete", {
    model: "gpt-4o-mini",
    messages: [{ role: "user", content: "Name three primes." }],
  });
  console.log(completion.choices[0].message.content);
});
