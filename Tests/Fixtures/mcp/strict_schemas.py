"""Checks that every tool of `switchboard --mcp` converts to an OpenAI strict function schema with
openai-agents' own converter (`agents.strict_schema.ensure_strict_json_schema`, called as its MCP
support calls it). Prints one line per tool; exits 1 when any tool fails to convert.

Usage: python strict_schemas.py SWITCHBOARD_BINARY
"""
import json
import subprocess
import sys

from agents.strict_schema import ensure_strict_json_schema


def tools(binary):
    request = {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {"_meta": {
        "io.modelcontextprotocol/protocolVersion": "2026-07-28", "io.modelcontextprotocol/clientCapabilities": {}}}}
    process = subprocess.run([binary, "--mcp", "--output-dir", "/tmp/switchboard-strict-check"], input=json.dumps(request) + "\n",
                             capture_output=True, text=True, timeout=30, env={"OPENAI_API_KEY": ""})
    return json.loads(process.stdout.splitlines()[0])["result"]["tools"]


def main():
    failures = 0
    for tool in tools(sys.argv[1]):
        schema = tool["inputSchema"]
        try:
            ensure_strict_json_schema(json.loads(json.dumps(schema)), _reject_open_objects=schema != {})
            print(f"{tool['name']}: strict")
        except Exception as error:  # the converter raises UserError, TypeError
            failures += 1
            print(f"{tool['name']}: NOT strict: {error}")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
