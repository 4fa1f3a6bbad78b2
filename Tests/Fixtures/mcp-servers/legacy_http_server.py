"""A legacy (2025-11-25) Streamable HTTP MCP server for the MCP client's tests. Standard library only.

Listens on 127.0.0.1 and a port the system picks, prints its URL on its first stdout line.
Like the SDKs' stateful servers it refuses any request but initialize without a session
(400, -32600), opens a session with `Mcp-Session-Id` on initialize, and answers 404 to a session
it does not know. Every message received is appended to the file named by FAKE_MCP_RECORD:
"<method> <Mcp-Session-Id or -> <MCP-Protocol-Version or -> <Mcp-Method or -> <params>".
Tools: echo(text) (answered as an event stream after a log notification), hang (answers after
30 s), expire (forgets every session), headers (the request's headers).
"""
import json
import os
import socket
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

RECORD = os.environ.get("FAKE_MCP_RECORD")
sessions = set()
lock = threading.Lock()
TOOLS = [{"name": n, "description": n, "inputSchema": {"type": "object"}} for n in ("echo", "hang", "expire", "headers")]


def record(line):
    if RECORD:
        with lock, open(RECORD, "a") as f:
            f.write(line + "\n")


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def reply(self, status, body=None, headers=None, event_stream=None):
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        if event_stream is not None:
            data = "".join(f"event: message\ndata: {json.dumps(m)}\n\n" for m in event_stream).encode()
            self.send_header("Content-Type", "text/event-stream")
        else:
            data = json.dumps(body).encode() if body is not None else b""
            if body is not None:
                self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        message = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))))
        method, id, params = message.get("method"), message.get("id"), message.get("params") or {}
        session = self.headers.get("Mcp-Session-Id")
        record(" ".join([method or "response", session or "-", self.headers.get("MCP-Protocol-Version") or "-",
                         self.headers.get("Mcp-Method") or "-", json.dumps(params, sort_keys=True)]))
        if method == "initialize":
            new = uuid.uuid4().hex
            with lock:
                sessions.add(new)
            return self.reply(200, {"jsonrpc": "2.0", "id": id, "result": {
                "protocolVersion": "2025-11-25", "capabilities": {"tools": {}}, "serverInfo": {"name": "legacy-http", "version": "1"}}},
                {"Mcp-Session-Id": new})
        if session is None:
            return self.reply(400, {"jsonrpc": "2.0", "id": id, "error": {"code": -32600, "message": "Bad Request: Missing session ID"}})
        with lock:
            known = session in sessions
        if not known:
            return self.reply(404, {"jsonrpc": "2.0", "id": id, "error": {"code": -32001, "message": "Session not found"}})
        if id is None:
            return self.reply(202)
        if method == "tools/list":
            return self.reply(200, {"jsonrpc": "2.0", "id": id, "result": {"tools": TOOLS}})
        if method == "tools/call":
            name = params.get("name")
            if name == "echo":
                return self.reply(200, event_stream=[
                    {"jsonrpc": "2.0", "method": "notifications/message", "params": {"level": "info", "data": "echoing"}},
                    {"jsonrpc": "2.0", "id": id, "result": {"content": [{"type": "text", "text": params["arguments"]["text"]}]}}])
            if name == "hang":
                time.sleep(30)
                return self.reply(200, {"jsonrpc": "2.0", "id": id, "result": {"content": []}})
            if name == "expire":
                with lock:
                    sessions.clear()
                return self.reply(200, {"jsonrpc": "2.0", "id": id, "result": {"content": [{"type": "text", "text": "expired"}]}})
            if name == "headers":
                headers = {k.lower(): v for k, v in self.headers.items()}
                return self.reply(200, {"jsonrpc": "2.0", "id": id, "result": {"content": [{"type": "text", "text": json.dumps(headers)}]}})
        return self.reply(200, {"jsonrpc": "2.0", "id": id, "error": {"code": -32601, "message": "Method not found"}})


def main():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    print(f"http://127.0.0.1:{server.server_address[1]}/mcp", flush=True)
    server.serve_forever()


main()
