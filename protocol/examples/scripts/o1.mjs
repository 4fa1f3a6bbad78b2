#!/usr/bin/env node
// A reasoning model (o1-mini), asked as any model is: max_tokens and a system message. The
// daemon's model rules turn them into max_completion_tokens and a merged user message.
import { run } from "./switchboard-client.mjs";

await run(async (switchboard) => {
  const completion = await switchboard.request("chat.complete", {
    model: "o1-mini",
    max_tokens: 2000,
    messages: [{ role: "system", content: "Be terse." }, { role: "user", content: "Is 1001 prime?" }],
  });
  console.log(completion.choices[0].message.content);
  console.log(`reasoning tokens: ${completion.usage?.completion_tokens_details?.reasoning_tokens ?? "n/a"}`);
});
