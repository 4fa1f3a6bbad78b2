#!/usr/bin/env node
// Fill in the middle, as an editor's inline completion does: the code before the cursor is the
// prompt, the code after it the suffix, and a local server's coder model writes what goes between.
// Prints the completed code. Point OPENAI_BASE_URL at the server (llama-server, vLLM, Ollama).
import { run } from "./switchboard-client.mjs";

const before = "def add(a, b):\n    ";
const after = "\n\nprint(add(1, 2))\n";

await run(async (switchboard) => {
  const completion = await switchboard.request("completions.create", {
    model: "qwen2.5-coder",
    prompt: before,
    suffix: after,
    max_tokens: 32,
    temperature: 0,
  });
  process.stdout.write(before + completion.choices[0].text + after);
});
