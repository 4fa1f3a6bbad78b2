#!/usr/bin/env bash
# The Responses API, streamed: print the text as the response.output_text.delta events bring it,
# then the final response's status (the request's result).
# Usage: OPENAI_API_KEY=sk-... [OPENAI_BASE_URL=...] [SWITCHBOARD=path/to/switchboard] ./responses-stream.sh
set -euo pipefail
jq -nc '{jsonrpc:"2.0", id:1, method:"responses.create",
         params:{model:"gpt-5-mini", stream:true, input:"Describe server-sent events in four words."}}' \
  | "${SWITCHBOARD:-switchboard}" \
  | jq -rj 'if .method == "responses.event" then
              (if .params.type == "response.output_text.delta" then .params.event.delta else empty end)
            elif .error then "error: \(.error.message)\n" | halt_error(1)
            else "\nstatus: \(.result.status)\n" end'
