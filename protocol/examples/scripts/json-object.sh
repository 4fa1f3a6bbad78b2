#!/usr/bin/env bash
# Fixed-format output with response_format json_object: the answer is a JSON text, parsed here.
# Usage: OPENAI_API_KEY=sk-... [OPENAI_BASE_URL=...] [SWITCHBOARD=path/to/switchboard] ./json-object.sh
set -euo pipefail
jq -nc '{jsonrpc:"2.0", id:1, method:"chat.complete",
         params:{model:"gpt-4o-mini", response_format:{type:"json_object"},
                 messages:[{role:"system", content:"Reply with a JSON object only."},
                           {role:"user", content:"Three colours, as {\"colours\": [\"...\"]}."}]}}' \
  | "${SWITCHBOARD:-switchboard}" \
  | jq -r 'if .error then "error: \(.error.message)\n" | halt_error(1)
           else .result.choices[0].message.content | fromjson | .colours[] end'
