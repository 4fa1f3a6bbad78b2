#!/usr/bin/env node
// Fixed-format output with response_format json_schema: the model must follow the schema exactly.
import { run } from "./switchboard-client.mjs";

const city = {
  type: "object",
  additionalProperties: false,
  required: ["name", "country", "population"],
  properties: { name: { type: "string" }, country: { type: "string" }, population: { type: "integer" } },
};

await run(async (switchboard) => {
  const completion = await switchboard.request("chat.complete", {
    model: "gpt-4o-mini",
    response_format: { type: "json_schema", json_schema: { name: "city", strict: true, schema: city } },
    messages: [{ role: "user", content: "Describe Paris." }],
  });
  const answer = JSON.parse(completion.choices[0].message.content);
  for (const field of ["name", "country", "population"]) console.log(`${field}: ${answer[field]}`);
});
