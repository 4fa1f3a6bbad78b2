#!/usr/bin/env bash
# Creates .build/mcp-venv with the official MCP Python SDK, which the MCP end-to-end tests drive
# switchboard --mcp with (Tests/Fixtures/mcp/sdk_client_test.py). Idempotent; prints the venv's python.
# With arguments NAME SPEC MODULE it makes .build/NAME with SPEC instead (checked by importing
# MODULE): `scripts/mcp-venv.sh agents-venv openai-agents==0.24.0 agents.strict_schema` for the
# strict-schema check (Tests/Fixtures/mcp/strict_schemas.py), whose mcp 1.x conflicts with the SDK's.
# SPEC may name several packages (separated by spaces) and MODULE several modules ("a, b").
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
venv="$root/.build/${1:-mcp-venv}"
sdk="${2:-mcp==2.3.0}"
module="${3:-mcp.client.client}"
if ! "$venv/bin/python" -c "import $module" 2>/dev/null; then
  mkdir -p "$root/.build"
  python3 -m venv "$venv" >&2
  # shellcheck disable=SC2086 # several packages are separate words
  "$venv/bin/pip" install --quiet --disable-pip-version-check $sdk >&2
fi
echo "$venv/bin/python"
