#!/usr/bin/env bash
# Plain chat: one question, one answer.
# Usage: OPENAI_API_KEY=sk-... [OPENAI_BASE_URL=...] [SWITCHBOARD=path/to/switchboard] ./chat.sh
set -euo pipefail
jq -nc '{jsonrpc:"2.0", id:1, method:"chat.complete",
         params:{model:"gpt-4o-mini", messages:[{role:"user", content:"Name three primes."}]}}' \
  | "${SWITCHBOARD:-switchboard}" \
  | jq -r 'if .error then "error: \(.error.message)\n" | halt_error(1) else .result.choices[0].message.content end'
