#!/usr/bin/env node
// Fixed-format output with response_format json_object: the answer is a JSON text, parsed here.
import { run } from "./switchboard-client.mjs";

await run(async (switchboard) => {
  const completion = await switchboard.request("chat.complete", {
    model: "gpt-4o-mini",
    response_format: { type: "json_object" },
    messages: [
      { role: "system", content: "Reply with a JSON object only." },
      { role: "user", content: 'Three colours, as {"colours": ["..."]}.' },
    ],
  });
  for (const colour of JSON.parse(completion.choices[0].message.content).colours) console.log(colour);
});
