#!/usr/bin/env bash
# Fill in the middle, as an editor's inline completion does: the code before the cursor is the
# prompt, the code after it the suffix, and a local server's coder model writes what goes between.
# Prints the completed code.
# Usage: OPENAI_BASE_URL=http://127.0.0.1:8080/v1 OPENAI_API_KEY="" [SWITCHBOARD=path/to/switchboard] ./fim.sh
set -euo pipefail
before=$'def add(a, b):\n    '
after=$'\n\nprint(add(1, 2))\n'
jq -nc --arg prompt "$before" --arg suffix "$after" \
   '{jsonrpc:"2.0", id:1, method:"completions.create",
     params:{model:"qwen2.5-coder", prompt:$prompt, suffix:$suffix, max_tokens:32, temperature:0}}' \
  | "${SWITCHBOARD:-switchboard}" \
  | jq -j --arg prompt "$before" --arg suffix "$after" \
       'if .error then "error: \(.error.message)\n" | halt_error(1) else $prompt + .result.choices[0].text + $suffix end'
