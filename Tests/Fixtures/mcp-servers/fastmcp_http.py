"""A Streamable HTTP MCP server built with fastmcp, on 127.0.0.1 and a port the system picks.

Prints the endpoint's URL on its first stdout line, then serves until killed. argv[1] chooses the
answer format: "sse" (the default: event streams) or "json" (plain JSON bodies); argv[2], if given,
holds the first request back for that many seconds (a server slow to start).
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


def held_back(app, seconds: float):
    """The ASGI app `app`, with its first HTTP request held back for `seconds`."""
    first = [True]

    async def wrapped(scope, receive, send):
        if scope["type"] == "http" and first[0]:
            first[0] = False
            await asyncio.sleep(seconds)
        await app(scope, receive, send)

    return wrapped


def main() -> None:
    json_response = len(sys.argv) > 1 and sys.argv[1] == "json"
    first_delay = float(sys.argv[2]) if len(sys.argv) > 2 else 0.0
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    listener.listen(128)  # before the URL is printed: a client may connect at once
    app = server.http_app(path="/mcp", json_response=json_response)
    print(f"http://127.0.0.1:{port}/mcp", flush=True)
    config = uvicorn.Config(held_back(app, first_delay) if first_delay else app, log_level="warning")
    asyncio.run(uvicorn.Server(config).serve(sockets=[listener]))


main()
