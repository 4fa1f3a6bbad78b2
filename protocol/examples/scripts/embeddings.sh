#!/usr/bin/env bash
# Embeddings: one vector for a text; prints its length.
# Usage: OPENAI_API_KEY=sk-... [OPENAI_BASE_URL=...] [SWITCHBOARD=path/to/switchboard] ./embeddings.sh
set -euo pipefail
jq -nc '{jsonrpc:"2.0", id:1, method:"embeddings.create",
         params:{model:"text-embedding-3-small", input:"The quick brown fox"}}' \
  | "${SWITCHBOARD:-switchboard}" \
  | jq -r 'if .error then "error: \(.error.message)\n" | halt_error(1) else "dimensions: \(.result.data[0].embedding | length)" end'
