#!/usr/bin/env bash
# Creates .build/mcp-venv with the official MCP Python SDK, which the MCP end-to-end tests drive
# switchboard --mcp with (Tests/Fixtures/mcp/sdk_client_test.py). Idempotent; prints the venv's python.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
venv="$root/.build/mcp-venv"
sdk="mcp==2.3.0"
if ! "$venv/bin/python" -c 'import mcp.client.client' 2>/dev/null; then
  mkdir -p "$root/.build"
  python3 -m venv "$venv" >&2
  "$venv/bin/pip" install --quiet --disable-pip-version-check "$sdk" >&2
fi
echo "$venv/bin/python"
