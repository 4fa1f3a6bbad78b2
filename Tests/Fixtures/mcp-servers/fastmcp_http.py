"""A Streamable HTTP MCP server built with fastmcp, on 127.0.0.1 and a port the system picks.

Prints the endpoint's URL on its first stdout line, then serves until killed. argv[1] chooses the
answer format: "sse" (the default: event streams) or "json" (plain JSON bodies).
Tools: add(a, b) with progress reports, and echo_header(name), which returns an HTTP header of
the request (to check the headers the client sends).
"""
import asyncio
import socket
import sys

import uvicorn
from fastmcp import Context, FastMCP
from fastmcp.server.dependencies import get_http_headers

server = FastMCP("fixture-http")


@server.tool
async def add(a: int, b: int, ctx: Context) -> int:
    """Adds two integers."""
    await ctx.report_progress(1, 2, "halfway")
    return a + b


@server.tool
def echo_header(name: str) -> str:
    """Returns the value of the request's HTTP header `name` (empty when absent)."""
    return get_http_headers(include_all=True).get(name.lower(), "")


def main() -> None:
    json_response = len(sys.argv) > 1 and sys.argv[1] == "json"
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    listener.listen(128)  # before the URL is printed: a client may connect at once
    app = server.http_app(path="/mcp", json_response=json_response)
    print(f"http://127.0.0.1:{port}/mcp", flush=True)
    config = uvicorn.Config(app, log_level="warning")
    asyncio.run(uvicorn.Server(config).serve(sockets=[listener]))


main()
