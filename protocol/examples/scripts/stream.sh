#!/usr/bin/env bash
# Streaming: print the answer's tokens as the chat.delta notifications bring them.
# Usage: OPENAI_API_KEY=sk-... [OPENAI_BASE_URL=...] [SWITCHBOARD=path/to/switchboard] ./stream.sh
set -euo pipefail
jq -nc '{jsonrpc:"2.0", id:1, method:"chat.complete",
         params:{model:"gpt-4o-mini", stream:true, messages:[{role:"user", content:"Write a haiku about pipes."}]}}' \
  | "${SWITCHBOARD:-switchboard}" \
  | jq -rj 'if .method == "chat.delta" then .params.delta.content // empty
            elif .error then "error: \(.error.message)\n" | halt_error(1) else empty end'
echo
