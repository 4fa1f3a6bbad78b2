"""Fake OpenAI-compatible upstream for the benchmark scripts (run.py, soak.py, peers.py, real_use.py).

A threaded HTTP/1.1 server on 127.0.0.1 (ephemeral port) speaking the real wire format:
`POST /v1/chat/completions` (JSON, or SSE with chunked transfer encoding when `"stream": true`),
`POST /v1/embeddings`, `GET /v1/models` and `HEAD` on any path (the daemon's preconnect, answered
404 with an empty body on a connection kept alive). The chat request's `model` picks the scenario; see
bench/README.md for the table. Delta i of every stream carries the content "i,", so a client can
check that each delta arrived exactly once and in order.

Standard library only. Run it alone with `python3 bench/run.py --serve-upstream SECONDS`.
"""

from __future__ import annotations

import json
import queue
import re
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

perf = time.perf_counter

CREATED = 1700000000
EMBEDDING_DIMENSIONS = 8

# A request can carry "[req:ID]" anywhere in its body (a message, a prompt, an input): the
# upstream records ID with the request, so a client can count the attempts each request made.
_MARKER = re.compile(rb"\[req:(\d+)\]")


def expected_content(n: int) -> str:
    """The assembled content of a stream of n deltas: "0,1,2,...,n-1,"."""
    return "".join(f"{i}," for i in range(n))


def _chunk_prefix(model: str) -> bytes:
    return (
        'data: {"id":"chatcmpl-bench","object":"chat.completion.chunk","created":%d,'
        '"model":"%s","choices":[{"index":0,"delta":{' % (CREATED, model)
    ).encode()


_CHUNK_SUFFIX = b'"},"finish_reason":null}]}\n\n'


def sse_delta(prefix: bytes, i: int) -> bytes:
    """Event carrying delta i: content "i," (the first one also carries the role)."""
    if i == 0:
        return prefix + b'"role":"assistant","content":"0,' + _CHUNK_SUFFIX
    return prefix + b'"content":"%d,' % i + _CHUNK_SUFFIX


def sse_tail(model: str, n: int) -> bytes:
    """Finish chunk, usage chunk (choices: []) and [DONE]."""
    finish = {
        "id": "chatcmpl-bench", "object": "chat.completion.chunk", "created": CREATED,
        "model": model, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}],
    }
    usage = {
        "id": "chatcmpl-bench", "object": "chat.completion.chunk", "created": CREATED,
        "model": model, "choices": [],
        "usage": {"prompt_tokens": 8, "completion_tokens": n, "total_tokens": n + 8},
    }
    return (
        b"data: " + json.dumps(finish, separators=(",", ":")).encode() + b"\n\n"
        + b"data: " + json.dumps(usage, separators=(",", ":")).encode() + b"\n\n"
        + b"data: [DONE]\n\n"
    )


def flood_sse(model: str, n: int) -> bytes:
    """The SSE bytes of a stream of n deltas (the body of bench-flood-N without the chunking)."""
    prefix = _chunk_prefix(model)
    return b"".join(sse_delta(prefix, i) for i in range(n)) + sse_tail(model, n)


def http_chunk(data: bytes) -> bytes:
    return b"%x\r\n" % len(data) + data + b"\r\n"


HTTP_LAST_CHUNK = b"0\r\n\r\n"


def parse_model(model: str) -> tuple[str, list[int]] | None:
    """'bench-flood-100000' -> ('flood', [100000]); None when it is not a bench model."""
    parts = str(model).split("-")
    if len(parts) < 2 or parts[0] != "bench":
        return None
    try:
        return parts[1], [int(p) for p in parts[2:]]
    except ValueError:
        return None


class PingPong:
    """Shared between the harness and the upstream handler of a bench-pingpong-N request."""

    def __init__(self, n: int):
        self.n = n
        self.release: queue.Queue[int] = queue.Queue()
        self.write_ts = [0.0] * n
        self.aborted = False


class Upstream:
    """The server and what it saw. `requests` holds one record per GET or POST received:
    method, path, model, stream, include_usage, auth, t (perf_counter), port (the client's TCP
    port: one per connection), marker (the "[req:ID]" found in the body, or None) and image_png
    (whether the body holds a PNG data: URL). `heads` holds the HEAD requests (path, t, port,
    user_agent) apart, since they carry no credentials on purpose."""

    def __init__(self, io_timeout: float):
        self.lock = threading.Lock()
        self.requests: list[dict] = []
        self.heads: list[dict] = []
        self.pingpong: PingPong | None = None
        self.flood_done: dict[str, float] = {}   # model -> perf_counter when last byte sent
        self.steady_done: list[float] = []       # perf_counter when each steady stream ended
        self.endless: dict[str, dict] = {}       # model -> {"sent": bytes, "start", "end", "why"}
        self._flood_cache: dict[str, bytes] = {}
        self.handler_errors: list[str] = []
        upstream = self

        class Handler(_Handler):
            pass

        Handler.upstream = upstream
        Handler.timeout = io_timeout
        self.server = _Server(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.1},
            name="upstream", daemon=True)
        self.thread.start()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def flood_body(self, model: str, n: int) -> bytes:
        """The whole chunked body for bench-flood-N, pre-encoded in 256 KiB HTTP chunks."""
        with self.lock:
            cached = self._flood_cache.get(model)
        if cached is not None:
            return cached
        sse = flood_sse(model, n)
        piece = 256 * 1024
        body = b"".join(http_chunk(sse[o:o + piece]) for o in range(0, len(sse), piece))
        body += HTTP_LAST_CHUNK
        with self.lock:
            self._flood_cache[model] = body
        return body

    def record(self, rec: dict) -> None:
        with self.lock:
            self.requests.append(rec)

    def endless_sent(self, model: str) -> int:
        """Bytes the bench-endless handler for model has written so far (0 before it starts)."""
        with self.lock:
            return self.endless.get(model, {}).get("sent", 0)

    def requests_for(self, model_prefix: str) -> list[dict]:
        with self.lock:
            return [r for r in self.requests if str(r.get("model", "")).startswith(model_prefix)]

    def attempts_by_marker(self) -> dict[int, int]:
        """How many HTTP requests carried each "[req:ID]" marker (retries show as more than 1)."""
        counts: dict[int, int] = {}
        with self.lock:
            for r in self.requests:
                m = r.get("marker")
                if m is not None:
                    counts[m] = counts.get(m, 0) + 1
        return counts

    def close(self) -> None:
        pp = self.pingpong
        if pp is not None:
            pp.aborted = True
        self.server.shutdown()
        self.server.server_close()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    request_queue_size = 512
    allow_reuse_address = True


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "switchboard-bench-upstream/1"
    upstream: Upstream  # set per server
    timeout = 120.0

    def setup(self):
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format, *args):  # noqa: A002 - silence the default access log
        pass

    # -- helpers

    def _read_body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            out = bytearray()
            for _ in range(1_000_000):
                size_line = self.rfile.readline(1024)
                size = int(size_line.split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                        pass
                    break
                out += self.rfile.read(size)
                self.rfile.readline(8)
            return bytes(out)
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _send_json(self, status: int, obj, headers: dict[str, str] | None = None) -> None:
        body = json.dumps(obj, separators=(",", ":")).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def _error(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        self._send_json(status, {"error": {"message": message, "type": "invalid_request_error",
                                           "param": None, "code": None}}, headers)

    def _start_stream(self, close: bool = False) -> None:
        """Status line and headers of an SSE answer; close=True announces `Connection: close`
        (and makes the server close the connection once the handler returns)."""
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        if close:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()

    # -- routes

    def do_GET(self):
        self.upstream.record({"method": "GET", "path": self.path, "t": perf(), "port": self.client_address[1],
                              "auth": self.headers.get("Authorization"), "marker": None})
        if self.path.rstrip("/").endswith("/models"):
            self._send_json(200, {"object": "list", "data": [
                {"id": "bench-flood-1000", "object": "model", "created": CREATED, "owned_by": "bench"}]})
        else:
            self._error(404, f"no route GET {self.path}")

    def do_HEAD(self):
        """The daemon's preconnect (`HEAD` on the base URL, no credentials): 404 with an empty
        body, and the connection kept alive, as a real server would."""
        with self.upstream.lock:
            self.upstream.heads.append({"path": self.path, "t": perf(), "port": self.client_address[1],
                                        "user_agent": self.headers.get("User-Agent")})
        self.send_response(404)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_POST(self):
        body = self._read_body()
        try:
            req = json.loads(body or b"null")
        except ValueError:
            req = None
        model = req.get("model") if isinstance(req, dict) else None
        stream = bool(req.get("stream")) if isinstance(req, dict) else False
        stream_options = req.get("stream_options") if isinstance(req, dict) else None
        marker = _MARKER.search(body)
        self.upstream.record({
            "method": "POST", "path": self.path, "model": model, "stream": stream,
            "include_usage": isinstance(stream_options, dict) and stream_options.get("include_usage") is True,
            "auth": self.headers.get("Authorization"), "t": perf(), "port": self.client_address[1],
            "marker": int(marker.group(1)) if marker else None,
            "image_png": b'"data:image/png;base64,' in body,
        })
        path = self.path.rstrip("/")
        if path.endswith("/embeddings") and isinstance(req, dict):
            self._embeddings(model, req.get("input"))
            return
        if not path.endswith("/chat/completions") or not isinstance(req, dict):
            self._error(404, f"no route POST {self.path}")
            return
        parsed = parse_model(model or "")
        if parsed is None:
            self._error(404, f"The model `{model}` does not exist")
            return
        kind, nums = parsed
        n = nums[0] if nums else 1
        try:
            if kind == "status":
                self._status(nums)
            elif kind == "tools":
                self._tools(model, req, n)
            elif not stream:
                self._whole(model, kind, nums)
            elif kind == "flood":
                self._flood(model, n)
            elif kind == "pingpong":
                self._pingpong(model)
            elif kind == "steady":
                delay_ms = nums[1] if len(nums) > 1 else 1
                self._steady(model, n, delay_ms / 1000.0)
            elif kind == "drop":
                self._drop(model, n)
            elif kind == "garbage":
                self._garbage(model, n)
            elif kind == "think":
                self._think(model, nums)
            elif kind == "trickle":
                delay_ms = nums[1] if len(nums) > 1 else 20
                self._trickle(model, n, delay_ms / 1000.0)
            elif kind == "endless":
                self._endless(model)
            else:
                self._error(404, f"The model `{model}` does not exist")
        except (BrokenPipeError, ConnectionResetError, socket.timeout, TimeoutError) as exc:
            with self.upstream.lock:
                self.upstream.handler_errors.append(f"{model}: {type(exc).__name__}: {exc}")
            self.close_connection = True

    def _whole(self, model: str, kind: str, nums: list[int]) -> None:
        """A non-streamed chat.completion; bench-steady-N-MS first waits N x MS, as its stream would."""
        n = nums[0] if nums else 1
        if kind == "steady" and len(nums) > 1:
            time.sleep(min(n * nums[1], 60_000) / 1000.0)
        content = expected_content(n) if kind in ("flood", "steady", "pingpong") else "ok"
        self._send_json(200, {
            "id": "chatcmpl-bench", "object": "chat.completion", "created": CREATED, "model": model,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": content},
                         "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 8, "completion_tokens": n, "total_tokens": n + 8},
        })

    def _tools(self, model: str, req: dict, n: int) -> None:
        """bench-tools-N: an agent's model. Until N tool rounds are in the conversation it calls the
        request's first tool (arguments from the last user message when it is a JSON object, else
        {}), then answers "ok"; non-streamed either way (the loop, not the stream, is measured)."""
        messages = req.get("messages") or []
        rounds = sum(1 for m in messages if isinstance(m, dict) and m.get("role") == "assistant" and m.get("tool_calls"))
        tools = req.get("tools") or []
        if rounds >= n or not tools:
            message = {"role": "assistant", "content": "ok"}
            finish = "stop"
        else:
            arguments = "{}"
            users = [m for m in messages if isinstance(m, dict) and m.get("role") == "user"]
            if users and isinstance(users[-1].get("content"), str) and users[-1]["content"].startswith("{"):
                arguments = users[-1]["content"]
            name = tools[0].get("function", {}).get("name", "")
            message = {"role": "assistant", "content": None, "tool_calls": [
                {"id": f"call_{rounds}", "type": "function", "function": {"name": name, "arguments": arguments}}]}
            finish = "tool_calls"
        self._send_json(200, {
            "id": "chatcmpl-bench", "object": "chat.completion", "created": CREATED, "model": model,
            "choices": [{"index": 0, "message": message, "finish_reason": finish}],
            "usage": {"prompt_tokens": 8, "completion_tokens": 1, "total_tokens": 9},
        })

    def _status(self, nums: list[int]) -> None:
        """bench-status-CODE[-RETRYAFTER]: an OpenAI-style error with that HTTP status."""
        status = nums[0] if nums else 500
        headers = {"Retry-After": str(nums[1])} if len(nums) > 1 else None
        self._error(status, f"bench: status {status} on purpose", headers)

    def _embeddings(self, model, inputs) -> None:
        items = inputs if isinstance(inputs, list) else [inputs]
        data = [{"object": "embedding", "index": i,
                 "embedding": [round(0.125 * (i + 1) * (k + 1), 3) for k in range(EMBEDDING_DIMENSIONS)]}
                for i in range(len(items))]
        self._send_json(200, {"object": "list", "data": data, "model": model,
                              "usage": {"prompt_tokens": len(items), "total_tokens": len(items)}})

    def _flood(self, model: str, n: int) -> None:
        body = self.upstream.flood_body(model, n)
        self._start_stream()
        sock = self.connection
        view = memoryview(body)
        step = 1 << 20
        for off in range(0, len(body), step):
            sock.sendall(view[off:off + step])
        with self.upstream.lock:
            self.upstream.flood_done[model] = perf()

    def _pingpong(self, model: str) -> None:
        pp = self.upstream.pingpong
        if pp is None:
            self._error(409, "no ping-pong session armed by the harness")
            return
        self._start_stream()
        prefix = _chunk_prefix(model)
        sock = self.connection
        for i in range(pp.n):
            got = None
            deadline = perf() + self.timeout
            while got is None and not pp.aborted and perf() < deadline:
                try:
                    got = pp.release.get(timeout=0.5)
                except queue.Empty:
                    pass
            if got is None:
                # The harness gave up: drop the connection without [DONE].
                self.close_connection = True
                return
            data = http_chunk(sse_delta(prefix, i))
            pp.write_ts[i] = perf()
            sock.sendall(data)
        sock.sendall(http_chunk(sse_tail(model, pp.n)) + HTTP_LAST_CHUNK)

    def _steady(self, model: str, n: int, delay: float) -> None:
        self._start_stream()
        prefix = _chunk_prefix(model)
        sock = self.connection
        for i in range(n):
            sock.sendall(http_chunk(sse_delta(prefix, i)))
            if delay > 0:
                time.sleep(delay)
        sock.sendall(http_chunk(sse_tail(model, n)) + HTTP_LAST_CHUNK)
        with self.upstream.lock:
            self.upstream.steady_done.append(perf())

    def _drop(self, model: str, k: int) -> None:
        """bench-drop-K: K whole deltas, then half of the next HTTP chunk, then the connection
        is closed (no [DONE], no last chunk): a stream that breaks mid-way."""
        self._start_stream()
        prefix = _chunk_prefix(model)
        sock = self.connection
        for i in range(k):
            sock.sendall(http_chunk(sse_delta(prefix, i)))
        cut = http_chunk(sse_delta(prefix, k))
        sock.sendall(cut[:len(cut) // 2])
        self.close_connection = True
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def _garbage(self, model: str, k: int) -> None:
        """bench-garbage-K: K deltas, then an event that is not JSON, then the rest of a normal
        stream (2 more deltas, the tail and [DONE])."""
        self._start_stream()
        prefix = _chunk_prefix(model)
        sock = self.connection
        for i in range(k):
            sock.sendall(http_chunk(sse_delta(prefix, i)))
        sock.sendall(http_chunk(b'data: {"choices":[{"index":0,"delta":{"content":"oops\n\n'))
        sock.sendall(http_chunk(sse_delta(prefix, k) + sse_delta(prefix, k + 1)
                                + sse_tail(model, k + 2)) + HTTP_LAST_CHUNK)

    def _think(self, model: str, nums: list[int]) -> None:
        """bench-think-MS-N: nothing at all (not even the status line) for MS milliseconds, as a
        model that thinks before answering; then N deltas at once, the tail and [DONE]."""
        wait_ms = nums[0] if nums else 5000
        n = nums[1] if len(nums) > 1 else 1
        time.sleep(min(wait_ms, 600_000) / 1000.0)
        self._start_stream()
        prefix = _chunk_prefix(model)
        self.connection.sendall(b"".join(http_chunk(sse_delta(prefix, i)) for i in range(n))
                                + http_chunk(sse_tail(model, n)) + HTTP_LAST_CHUNK)

    def _trickle(self, model: str, n: int, delay: float) -> None:
        """bench-trickle-N-MS: delta 0 at once, then delta i at i x MS ms after the request (a
        fixed schedule, so the rate does not drift), the tail and [DONE]; answered with
        `Connection: close` and the connection closed after it, so no connection is reused."""
        self._start_stream(close=True)
        prefix = _chunk_prefix(model)
        sock = self.connection
        start = perf()
        for i in range(n):
            pause = start + i * delay - perf()
            if pause > 0:
                time.sleep(pause)
            sock.sendall(http_chunk(sse_delta(prefix, i)))
        sock.sendall(http_chunk(sse_tail(model, n)) + HTTP_LAST_CHUNK)

    def _endless(self, model: str) -> None:
        """bench-endless: deltas 0, 1, 2, ... as fast as the socket takes them, never ending, until
        the client goes away (or a write blocks longer than the I/O timeout). The bytes written
        so far are kept in upstream.endless[model]["sent"], in 64 KiB steps."""
        up = self.upstream
        with up.lock:
            state = up.endless[model] = {"sent": 0, "start": perf(), "end": None, "why": None}
        self._start_stream()
        prefix = _chunk_prefix(model)
        sock = self.connection
        step = 64 * 1024
        i = 0
        try:
            while True:
                data = http_chunk(b"".join(sse_delta(prefix, k) for k in range(i, i + 2048)))
                i += 2048
                view = memoryview(data)
                for off in range(0, len(data), step):
                    piece = view[off:off + step]
                    sock.sendall(piece)
                    with up.lock:
                        state["sent"] += len(piece)
        except (OSError, ValueError) as exc:  # the client closed, reset or stalled past the timeout
            with up.lock:
                state["end"], state["why"] = perf(), type(exc).__name__
            self.close_connection = True
