"""A small MCP server over stdio (newline-delimited JSON-RPC) for the MCP client's tests.

Standard library only. argv[1] chooses how it speaks:
  modern          answers server/discover (2026-07-28) and initialize both
  legacy          answers -32601 to server/discover, then initialize
  legacy-silent   never answers server/discover (an old server ignoring unknown methods)
  unknown-version initialize names the protocol version 2099-01-01
  future-only     server/discover answers -32022 listing only 2099-01-01
Every message received is appended to the file named by FAKE_MCP_RECORD (when set), one line
each: "<method or 'response'> <json params or result>".

Tools (tools/list gives them three a page, with nextCursor):
  echo(text), meta (the call's _meta), env (the environment), fail (isError), flood(bytes),
  crash (exits mid-call), hang (never answers), progress (two reports, then "done"),
  mixed (every kind of content part), structured (structuredContent only), change (adds a tool
  and sends notifications/tools/list_changed), ask (sends the client a sampling request and a
  ping, returns what came back), group (starts a child in its process group, returns its pid),
  stderr (writes two lines to stderr), cwd (its working directory).
"""
import json
import os
import subprocess
import sys
import threading

MODE = sys.argv[1] if len(sys.argv) > 1 else "modern"
RECORD = os.environ.get("FAKE_MCP_RECORD")
PAGE = 3
TOOLS = ["echo", "meta", "env", "fail", "flood", "crash", "hang", "progress", "mixed", "structured", "change", "ask",
         "group", "stderr", "cwd"]
lock = threading.Lock()
waiting = {}  # id of a request sent to the client -> event and answer


def record(line):
    if RECORD:
        with open(RECORD, "a") as f:
            f.write(line + "\n")


def send(message):
    with lock:
        sys.stdout.write(json.dumps(message) + "\n")
        sys.stdout.flush()


def answer(id, result):
    send({"jsonrpc": "2.0", "id": id, "result": result})


def error(id, code, message, data=None):
    err = {"code": code, "message": message}
    if data is not None:
        err["data"] = data
    send({"jsonrpc": "2.0", "id": id, "error": err})


def text(value, is_error=False):
    return {"content": [{"type": "text", "text": value}], "isError": is_error}


def ask_client(id, method):
    event = threading.Event()
    waiting[id] = [event, None]
    send({"jsonrpc": "2.0", "id": id, "method": method, "params": {}})
    event.wait(10)
    return waiting.pop(id)[1]


def call(id, params):
    name = params.get("name")
    args = params.get("arguments") or {}
    meta = params.get("_meta") or {}
    if name == "echo":
        return answer(id, text(args.get("text", "")))
    if name == "meta":
        return answer(id, text(json.dumps(meta, sort_keys=True)))
    if name == "env":
        return answer(id, text(json.dumps(dict(os.environ), sort_keys=True)))
    if name == "fail":
        return answer(id, text("it went wrong", is_error=True))
    if name == "flood":
        return answer(id, text("é" * (int(args.get("bytes", 1000000)) // 2)))
    if name == "crash":
        sys.stderr.write("crashing now\n")
        sys.stderr.flush()
        os._exit(3)
    if name == "hang":
        return
    if name == "progress":
        token = meta.get("progressToken")
        for step in (1, 2):
            send({"jsonrpc": "2.0", "method": "notifications/progress",
                  "params": {"progressToken": token, "progress": step, "total": 2, "message": f"step {step}"}})
        return answer(id, text("done"))
    if name == "mixed":
        return answer(id, {"content": [
            {"type": "text", "text": "first"},
            {"type": "image", "mimeType": "image/png", "data": "iVBORw0KGgo="},
            {"type": "audio", "mimeType": "audio/wav", "data": "UklGRg=="},
            {"type": "resource", "resource": {"uri": "file:///notes.txt", "mimeType": "text/plain", "text": "note text"}},
            {"type": "resource_link", "uri": "file:///big.bin", "name": "big.bin"},
            {"type": "text", "text": "last"},
        ], "structuredContent": {"ignored": True}})
    if name == "structured":
        return answer(id, {"content": [], "structuredContent": {"answer": 42}})
    if name == "change":
        if "added" not in TOOLS:
            TOOLS.append("added")
        send({"jsonrpc": "2.0", "method": "notifications/tools/list_changed"})
        return answer(id, text("changed"))
    if name == "ask":
        sampled = ask_client("s1", "sampling/createMessage")
        pinged = ask_client("s2", "ping")
        return answer(id, text(json.dumps({"sampling": sampled, "ping": pinged}, sort_keys=True)))
    if name == "group":
        child = subprocess.Popen(["sleep", "300"])
        return answer(id, text(str(child.pid)))
    if name == "stderr":
        sys.stderr.write("first line\nsecond line\n")
        sys.stderr.flush()
        return answer(id, text("written"))
    if name == "cwd":
        return answer(id, text(os.getcwd()))
    return error(id, -32602, f"Unknown tool: {name}")


def tools_page(cursor):
    start = int(cursor) if cursor else 0
    page = [{"name": n, "description": f"the {n} tool",
             "inputSchema": {"type": "object", "properties": {"text": {"type": "string"}}}} for n in TOOLS[start:start + PAGE]]
    result = {"tools": page}
    if start + PAGE < len(TOOLS):
        result["nextCursor"] = str(start + PAGE)
    return result


def handle(message):
    method = message.get("method")
    id = message.get("id")
    params = message.get("params") or {}
    if method is None:
        record("response " + json.dumps(message.get("result", message.get("error")), sort_keys=True))
        if id in waiting:
            waiting[id][1] = message.get("result", message.get("error"))
            waiting[id][0].set()
        return
    record(method + " " + json.dumps(params, sort_keys=True))
    if id is None:
        return
    if method == "server/discover":
        if MODE == "modern":
            return answer(id, {"supportedVersions": ["2026-07-28"], "capabilities": {"tools": {"listChanged": True}},
                               "resultType": "complete"})
        if MODE == "legacy-silent":
            return
        if MODE == "future-only":
            return error(id, -32022, "Unsupported protocol version", {"supported": ["2099-01-01"], "requested": "2026-07-28"})
        return error(id, -32601, "Method not found")
    if method == "initialize":
        version = "2099-01-01" if MODE == "unknown-version" else params.get("protocolVersion")
        return answer(id, {"protocolVersion": version, "capabilities": {"tools": {"listChanged": True}},
                           "serverInfo": {"name": "fake", "version": "1"}})
    if method == "ping":
        return answer(id, {})
    if method == "tools/list":
        return answer(id, tools_page(params.get("cursor")))
    if method == "tools/call":
        # Calls run on threads of their own, so a hanging call leaves the server answering others.
        return threading.Thread(target=call, args=(id, params), daemon=True).start()
    return error(id, -32601, "Method not found")


def main():
    sys.stderr.write(f"fake server starting ({MODE})\n")
    sys.stderr.flush()
    for line in sys.stdin:
        if line.strip():
            handle(json.loads(line))


main()
