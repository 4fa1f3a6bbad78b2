#!/usr/bin/env python3
"""The echo upstream of the client tests (Sources/TestSupport/EchoUpstream.swift), in Python's
standard library, for running editors/neovim/tests/run alone or trying the plugin by hand:

    python3 editors/neovim/tests/echo_upstream.py      # prints its base URL, serves until killed

It answers `echo: <last user message>` (streamed in 3-character pieces, 0.2 s apart with SLOW,
then a usage chunk), 401 for FAIL401, and with tools a call of the first tool for TOOL
(arguments {"text": <message>}), then `echo: <the tool's result>`; GET /echo/log lists the
requests received. For trying the tools by hand, a message `CALL <tool> <JSON arguments>` calls
that tool with those arguments. The Swift one stays the reference: the suite runs against it.
"""
import json
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOG = []
MODELS = ["gpt-4o-mini", "gpt-4o", "text-embedding-3-small", "whisper-1"]


def last_user(messages):
    for message in reversed(messages):
        if message.get("role") == "user":
            content = message.get("content")
            if isinstance(content, str):
                return content, 0
            parts = content or []
            text = " ".join(p.get("text", "") for p in parts if p.get("type") == "text")
            return text, sum(1 for p in parts if p.get("type") == "image_url")
    return "", 0


def rewritten(text):
    lines = text.split("\n")
    fences = [i for i, line in enumerate(lines) if line.startswith("```")]
    if len(fences) < 2:
        return text.upper()
    start, end = fences[-2], fences[-1]
    return "%s\n%s\n```" % (lines[start], "\n".join(lines[start + 1:end]).upper())


def chunk(model, delta, finish=None, usage=None):
    body = {"id": "chatcmpl-echo", "object": "chat.completion.chunk", "created": 1, "model": model,
            "choices": [] if usage else [{"index": 0, "delta": delta, "finish_reason": finish}]}
    if usage:
        body["usage"] = usage
    return body


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def send_json(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_HEAD(self):
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_GET(self):
        if self.path == "/echo/log":
            return self.send_json(200, {"requests": LOG, "open_connections": 0})
        LOG.append({"method": "GET", "path": self.path, "body": None})
        self.send_json(200, {"object": "list", "data": [
            {"id": m, "object": "model", "created": 1, "owned_by": "echo"} for m in MODELS]})

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))) or b"null")
        LOG.append({"method": "POST", "path": self.path, "body": body})
        messages = body.get("messages") or []
        model = body.get("model") or "gpt-4o-mini"
        tools = body.get("tools") or []
        text, images = last_user(messages)
        last = messages[-1] if messages else {}
        if tools and last.get("role") == "tool":
            reply = "echo: " + str(last.get("content", ""))
        elif tools and last.get("role") == "user" and (text.startswith("CALL ") or "TOOL" in text):
            name, arguments = tools[0]["function"]["name"], json.dumps({"text": text})
            if text.startswith("CALL "):  # CALL <tool> <JSON arguments>: for trying the tools by hand
                name, _, arguments = text[5:].partition(" ")
            call = {"index": 0, "id": "call_echo", "type": "function", "function": {"name": name, "arguments": arguments}}
            return self.stream(model, [{"role": "assistant", "tool_calls": [call]}], "tool_calls", 0)
        elif "FAIL401" in text:
            return self.send_json(401, {"error": {"message": "Incorrect API key provided", "type": "invalid_request_error",
                                                  "code": "invalid_api_key"}})
        elif "UPPERCASE" in text:
            reply = rewritten(text)
        else:
            reply = "echo: " + text + ((" [%d image%s]" % (images, "" if images == 1 else "s")) if images else "")
        if not body.get("stream"):
            return self.send_json(200, {"id": "chatcmpl-echo", "object": "chat.completion", "created": 1, "model": model,
                                        "choices": [{"index": 0, "message": {"role": "assistant", "content": reply},
                                                     "finish_reason": "stop"}],
                                        "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}})
        deltas = [{"role": "assistant", "content": ""}] + [{"content": reply[i:i + 3]} for i in range(0, len(reply), 3)]
        self.stream(model, deltas, "stop", 0.2 if "SLOW" in text else 0)

    def stream(self, model, deltas, finish, delay):
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        events = [chunk(model, d) for d in deltas] + [chunk(model, {}, finish),
                                                       chunk(model, None, usage={"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15})]
        try:
            for event in events:
                self.write_chunk("data: %s\n\n" % json.dumps(event))
                time.sleep(delay)
            self.write_chunk("data: [DONE]\n\n")
            self.wfile.write(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def write_chunk(self, text):
        data = text.encode()
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        self.wfile.flush()


if __name__ == "__main__":
    server = ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1]) if len(sys.argv) > 1 else 0), Handler)
    print("http://127.0.0.1:%d/v1" % server.server_address[1], flush=True)
    server.serve_forever()
