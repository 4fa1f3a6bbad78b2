#!/usr/bin/env node
// The Responses API, streamed: print the text as the response.output_text.delta events bring it,
// then the final response's status (the request's result).
import { run } from "./switchboard-client.mjs";

await run(async (switchboard) => {
  const response = await switchboard.request("responses.create", {
    model: "gpt-5-mini",
    stream: true,
    input: "Describe server-sent events in four words.",
  }, (method, params) => {
    if (method === "responses.event" && params.type === "response.output_text.delta") process.stdout.write(params.event.delta);
  });
  process.stdout.write(`\nstatus: ${response.status}\n`);
});
