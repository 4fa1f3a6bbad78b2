"""The official MCP Python SDK calling an MCP server's tool directly: the baseline bench/agent.py
sets the daemon's tool round trip against. Run by the Python that has `mcp` (scripts/mcp-venv.sh).

argv[1] is a JSON object: command, args, tool, arguments, repeats. Prints one JSON line: the
seconds each call took (after one warm-up call), measured around `call_tool`.
"""

import asyncio
import json
import sys
import time

from mcp.client.client import Client
from mcp.client.stdio import StdioServerParameters


async def main() -> None:
    spec = json.loads(sys.argv[1])
    server = StdioServerParameters(command=spec["command"], args=spec.get("args", []))
    async with Client(server, mode="auto") as client:
        await client.call_tool(spec["tool"], spec["arguments"])
        times = []
        for _ in range(spec["repeats"]):
            started = time.perf_counter()
            result = await client.call_tool(spec["tool"], spec["arguments"])
            times.append(time.perf_counter() - started)
            if getattr(result, "is_error", False) or getattr(result, "isError", False):
                raise SystemExit(f"the tool failed: {result.content}")
    print(json.dumps({"seconds": times}), flush=True)


asyncio.run(main())
