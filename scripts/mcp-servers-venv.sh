#!/usr/bin/env bash
# Creates .build/mcp-servers-venv with the real MCP servers the MCP client's tests run
# (Tests/MCPClientTests/RealServerTests.swift): the official reference servers mcp-server-time and
# mcp-server-git (stdio) and fastmcp (a Streamable HTTP server, Tests/Fixtures/mcp-servers/fastmcp_http.py).
# One venv holds all three: they agree on mcp 2.3.0. Idempotent; prints the venv's python.
set -euo pipefail
exec "$(dirname "$0")/mcp-venv.sh" mcp-servers-venv \
  "mcp-server-time==2026.10.19 mcp-server-git==2026.10.19 fastmcp==4.2.3" \
  "mcp_server_time, mcp_server_git, fastmcp"
