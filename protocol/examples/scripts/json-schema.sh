#!/usr/bin/env bash
# Fixed-format output with response_format json_schema: the model must follow the schema exactly.
# Usage: OPENAI_API_KEY=sk-... [OPENAI_BASE_URL=...] [SWITCHBOARD=path/to/switchboard] ./json-schema.sh
set -euo pipefail
jq -nc '{jsonrpc:"2.0", id:1, method:"chat.complete",
         params:{model:"gpt-4o-mini",
                 response_format:{type:"json_schema", json_schema:{name:"city", strict:true, schema:{
                   type:"object", additionalProperties:false, required:["name", "country", "population"],
                   properties:{name:{type:"string"}, country:{type:"string"}, population:{type:"integer"}}}}},
                 messages:[{role:"user", content:"Describe Paris."}]}}' \
  | "${SWITCHBOARD:-switchboard}" \
  | jq -r 'if .error then "error: \(.error.message)\n" | halt_error(1)
           else .result.choices[0].message.content | fromjson | "name: \(.name)", "country: \(.country)", "population: \(.population)" end'
