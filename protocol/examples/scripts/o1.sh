#!/usr/bin/env bash
# A reasoning model (o1-mini). The request is written as for any model: max_tokens and a system
# message; the daemon's model rules turn them into max_completion_tokens and a merged user message.
# Usage: OPENAI_API_KEY=sk-... [OPENAI_BASE_URL=...] [SWITCHBOARD=path/to/switchboard] ./o1.sh
set -euo pipefail
jq -nc '{jsonrpc:"2.0", id:1, method:"chat.complete",
         params:{model:"o1-mini", max_tokens:2000,
                 messages:[{role:"system", content:"Be terse."}, {role:"user", content:"Is 1001 prime?"}]}}' \
  | "${SWITCHBOARD:-switchboard}" \
  | jq -r 'if .error then "error: \(.error.message)\n" | halt_error(1)
           else .result.choices[0].message.content,
                "reasoning tokens: \(.result.usage.completion_tokens_details.reasoning_tokens // "n/a")" end'
