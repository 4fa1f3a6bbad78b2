#!/usr/bin/env node
// Embeddings: one vector for a text; prints its length.
import { run } from "./switchboard-client.mjs";

await run(async (switchboard) => {
  const result = await switchboard.request("embeddings.create", { model: "text-embedding-3-small", input: "The quick brown fox" });
  console.log(`dimensions: ${result.data[0].embedding.length}`);
});
