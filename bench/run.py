#!/usr/bin/env python3
"""Switchboard benchmark: start-up time, added per-delta latency, streaming throughput, memory.

Standard library only (Python 3.11+). It starts its own fake OpenAI-compatible upstream on
127.0.0.1 (an ephemeral port), spawns the daemon with OPENAI_BASE_URL pointing at it, talks
NDJSON JSON-RPC to it over pipes and prints a table of figures beside the targets.

This is a measurement, not a test: a MISS against a target still exits 0. Exit codes:
0 = figures produced, 1 = a scenario could not be measured (daemon crashed, hung or answered
wrongly; see the table's ERROR rows and warnings), 2 = bad command line or missing binary.

See bench/README.md for what each figure means.
"""

from __future__ import annotations

import argparse
import atexit
import json
import os
import platform
import queue
import select
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

perf = time.perf_counter

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_BINARY = REPO_ROOT / ".build" / "release" / "switchboard"

# Targets (see README): value compared, comparison, limit, unit.
TARGET_STARTUP_MS = 20.0          # median spawn -> initialize response
TARGET_LATENCY_P50_MS = 0.2       # ping-pong added latency, p50
TARGET_THROUGHPUT = 100_000.0     # chat.delta notifications per second, one stream
TARGET_IDLE_RSS_MIB = 30.0        # VmRSS after initialize

CREATED = 1700000000
MESSAGES = [{"role": "user", "content": "benchmark"}]


class BenchError(Exception):
    """A scenario could not be measured."""


# --------------------------------------------------------------------------------------------
# Process bookkeeping: every process we spawn is killed on the way out, whatever happens.

_LIVE: set[subprocess.Popen] = set()
_LIVE_LOCK = threading.Lock()


def _track(proc: subprocess.Popen) -> None:
    with _LIVE_LOCK:
        _LIVE.add(proc)


def _untrack(proc: subprocess.Popen) -> None:
    with _LIVE_LOCK:
        _LIVE.discard(proc)


def _kill_all() -> None:
    with _LIVE_LOCK:
        procs = list(_LIVE)
        _LIVE.clear()
    for proc in procs:
        if proc.poll() is None:
            try:
                proc.kill()
                proc.wait(timeout=5)
            except Exception:
                pass


def _on_signal(signum, _frame):
    raise SystemExit(128 + signum)


atexit.register(_kill_all)


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        view = view[n:]


# --------------------------------------------------------------------------------------------
# Statistics


def percentile(values: list[float], p: float) -> float:
    """Linear-interpolated percentile, p in [0, 100]."""
    if not values:
        return float("nan")
    s = sorted(values)
    if len(s) == 1:
        return s[0]
    k = (len(s) - 1) * p / 100.0
    lo = int(k)
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


def summary_ms(seconds: list[float]) -> dict:
    ms = [x * 1000.0 for x in seconds]
    return {
        "n": len(ms),
        "min_ms": round(min(ms), 4) if ms else None,
        "p50_ms": round(percentile(ms, 50), 4) if ms else None,
        "p90_ms": round(percentile(ms, 90), 4) if ms else None,
        "p99_ms": round(percentile(ms, 99), 4) if ms else None,
        "max_ms": round(max(ms), 4) if ms else None,
    }


# --------------------------------------------------------------------------------------------
# /proc readers (Linux only; elsewhere they return None)

CLK_TCK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def proc_status_value(pid: int, field: str) -> int | None:
    try:
        with open(f"/proc/{pid}/status", "rb") as f:
            data = f.read()
    except OSError:
        return None
    key = field.encode() + b":"
    for line in data.split(b"\n"):
        if line.startswith(key):
            return int(line.split()[1])  # "VmRSS:   12345 kB" (kB), "Threads:  7"
    return None


def proc_cpu_seconds(pid: int) -> float | None:
    """utime + stime of the process, in seconds."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            data = f.read()
    except OSError:
        return None
    rest = data.rsplit(b")", 1)[1].split()
    # rest[0] is field 3 (state); utime is field 14, stime field 15.
    return (int(rest[11]) + int(rest[12])) / CLK_TCK


def load_average() -> str | None:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return None


def mib(kib: int | None) -> float | None:
    return None if kib is None else round(kib / 1024.0, 2)


# --------------------------------------------------------------------------------------------
# Fake upstream: OpenAI chat completions over HTTP/1.1, SSE with chunked transfer encoding.


def expected_content(n: int) -> str:
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
    def __init__(self, io_timeout: float):
        self.lock = threading.Lock()
        self.requests: list[dict] = []      # one record per HTTP request received
        self.pingpong: PingPong | None = None
        self.flood_done: dict[str, float] = {}   # model -> perf_counter when last byte sent
        self.steady_done: list[float] = []       # perf_counter when each steady stream ended
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
        prefix = _chunk_prefix(model)
        sse = b"".join(sse_delta(prefix, i) for i in range(n)) + sse_tail(model, n)
        piece = 256 * 1024
        body = b"".join(http_chunk(sse[o:o + piece]) for o in range(0, len(sse), piece))
        body += HTTP_LAST_CHUNK
        with self.lock:
            self._flood_cache[model] = body
        return body

    def record(self, rec: dict) -> None:
        with self.lock:
            self.requests.append(rec)

    def requests_for(self, model_prefix: str) -> list[dict]:
        with self.lock:
            return [r for r in self.requests if str(r.get("model", "")).startswith(model_prefix)]

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

    def _send_json(self, status: int, obj) -> None:
        body = json.dumps(obj, separators=(",", ":")).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _error(self, status: int, message: str) -> None:
        self._send_json(status, {"error": {"message": message, "type": "invalid_request_error",
                                           "param": None, "code": None}})

    def _start_stream(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()

    # -- routes

    def do_GET(self):
        self.upstream.record({"method": "GET", "path": self.path,
                              "auth": self.headers.get("Authorization")})
        if self.path.rstrip("/").endswith("/models"):
            self._send_json(200, {"object": "list", "data": [
                {"id": "bench-flood-1000", "object": "model", "created": CREATED, "owned_by": "bench"}]})
        else:
            self._error(404, f"no route GET {self.path}")

    def do_POST(self):
        body = self._read_body()
        try:
            req = json.loads(body or b"null")
        except ValueError:
            req = None
        model = req.get("model") if isinstance(req, dict) else None
        stream = bool(req.get("stream")) if isinstance(req, dict) else False
        stream_options = req.get("stream_options") if isinstance(req, dict) else None
        self.upstream.record({
            "method": "POST", "path": self.path, "model": model, "stream": stream,
            "include_usage": isinstance(stream_options, dict) and stream_options.get("include_usage") is True,
            "auth": self.headers.get("Authorization"), "t": perf(),
        })
        if not self.path.rstrip("/").endswith("/chat/completions") or not isinstance(req, dict):
            self._error(404, f"no route POST {self.path}")
            return
        parsed = parse_model(model or "")
        if parsed is None:
            self._error(404, f"The model `{model}` does not exist")
            return
        kind, nums = parsed
        n = nums[0] if nums else 1
        if not stream:
            content = expected_content(n) if kind in ("flood", "steady", "pingpong") else "ok"
            self._send_json(200, {
                "id": "chatcmpl-bench", "object": "chat.completion", "created": CREATED, "model": model,
                "choices": [{"index": 0, "message": {"role": "assistant", "content": content},
                             "finish_reason": "stop"}],
                "usage": {"prompt_tokens": 8, "completion_tokens": n, "total_tokens": n + 8},
            })
            return
        try:
            if kind == "flood":
                self._flood(model, n)
            elif kind == "pingpong":
                self._pingpong(model)
            elif kind == "steady":
                delay_ms = nums[1] if len(nums) > 1 else 1
                self._steady(model, n, delay_ms / 1000.0)
            else:
                self._error(404, f"The model `{model}` does not exist")
        except (BrokenPipeError, ConnectionResetError, socket.timeout, TimeoutError) as exc:
            with self.upstream.lock:
                self.upstream.handler_errors.append(f"{model}: {type(exc).__name__}: {exc}")
            self.close_connection = True

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


# --------------------------------------------------------------------------------------------
# Daemon driver: NDJSON over pipes, stdout parsed on a dedicated thread.


class LineReader:
    """Reads NDJSON lines from fd on its own thread.

    chat.delta notifications are recognised without parsing (fast path) and either appended raw
    to delta_lines or handed to on_delta(line, t); everything else is parsed: responses are
    stored by id and waiters are woken. t is perf_counter() taken right after the read()."""

    def __init__(self, fd: int, name: str):
        self.fd = fd
        self.on_delta = None
        self.delta_lines: list[bytes] = []
        self.delta_count = 0
        self.first_delta_t: float | None = None
        self.responses: dict = {}
        self.notifications: list = []
        self.garbage: list[bytes] = []
        self.eof = False
        self.cond = threading.Condition()
        self.thread = threading.Thread(target=self._run, name=name, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        tail = b""
        try:
            while True:
                data = os.read(self.fd, 1 << 20)
                t = perf()
                if not data:
                    break
                if tail:
                    data = tail + data
                lines = data.split(b"\n")
                tail = lines.pop()
                for line in lines:
                    if b'"chat.delta"' in line and b'"method"' in line:
                        self.delta_count += 1
                        if self.first_delta_t is None:
                            self.first_delta_t = t
                        cb = self.on_delta
                        if cb is None:
                            self.delta_lines.append(line)
                        else:
                            cb(line, t)
                    elif line.strip():
                        self._message(line, t)
        except OSError:
            pass
        finally:
            if tail.strip():
                self.garbage.append(tail)
            with self.cond:
                self.eof = True
                self.cond.notify_all()

    def _message(self, line: bytes, t: float) -> None:
        try:
            msg = json.loads(line)
        except ValueError:
            self.garbage.append(line[:500])
            return
        for m in (msg if isinstance(msg, list) else [msg]):
            if isinstance(m, dict) and "id" in m and ("result" in m or "error" in m):
                with self.cond:
                    self.responses[m["id"]] = (m, t)
                    self.cond.notify_all()
            elif isinstance(m, dict) and "method" in m:
                self.notifications.append(m)
            else:
                self.garbage.append(line[:500])

    def wait_response(self, rid, timeout: float):
        with self.cond:
            self.cond.wait_for(lambda: rid in self.responses or self.eof, timeout)
            if rid in self.responses:
                return self.responses[rid]
        if self.eof:
            raise BenchError(f"daemon closed stdout without answering request {rid}")
        raise BenchError(f"no response to request {rid} within {timeout:.0f} s")


class Daemon:
    def __init__(self, binary: str, env: dict, args: list[str], name: str):
        self.stderr = tempfile.TemporaryFile()
        self.name = name
        try:
            self.proc = subprocess.Popen(
                [binary, *args], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                stderr=self.stderr, env=env, bufsize=0, close_fds=True)
        except OSError as exc:
            raise BenchError(f"cannot start {binary}: {exc}") from exc
        _track(self.proc)
        self.pid = self.proc.pid
        self.reader = LineReader(self.proc.stdout.fileno(), f"stdout-{name}")
        self.next_id = 1
        self.wlock = threading.Lock()

    def send(self, obj) -> None:
        data = (json.dumps(obj, separators=(",", ":")) + "\n").encode()
        try:
            with self.wlock:
                write_all(self.proc.stdin.fileno(), data)
        except (BrokenPipeError, OSError) as exc:
            raise BenchError(f"daemon stdin closed ({exc}); exit code {self.proc.poll()}; "
                             f"stderr: {self.stderr_tail()}") from exc

    def request(self, method: str, params=None) -> tuple[int, float]:
        rid = self.next_id
        self.next_id += 1
        msg = {"jsonrpc": "2.0", "id": rid, "method": method}
        if params is not None:
            msg["params"] = params
        t = perf()
        self.send(msg)
        return rid, t

    def result(self, rid: int, timeout: float):
        msg, t = self.reader.wait_response(rid, timeout)
        if "error" in msg:
            raise BenchError(f"request {rid} failed: {json.dumps(msg['error'])[:400]}")
        return msg["result"], t

    def initialize(self, timeout: float) -> dict:
        rid, _ = self.request("initialize", {"client_info": {"name": "switchboard-bench", "version": "1"}})
        result, _ = self.result(rid, timeout)
        if not isinstance(result, dict) or result.get("protocol_version") != "1":
            raise BenchError(f"unexpected initialize result: {json.dumps(result)[:300]}")
        self.send({"jsonrpc": "2.0", "method": "initialized", "params": {}})
        return result

    def stream(self, model: str) -> tuple[int, float]:
        return self.request("chat.complete", {"model": model, "messages": MESSAGES, "stream": True})

    def stderr_tail(self, limit: int = 600) -> str:
        try:
            self.stderr.seek(0, os.SEEK_END)
            size = self.stderr.tell()
            self.stderr.seek(max(0, size - limit))
            return self.stderr.read().decode("utf-8", "replace").strip() or "(empty)"
        except Exception:
            return "(unreadable)"

    def stderr_size(self) -> int:
        try:
            self.stderr.seek(0, os.SEEK_END)
            return self.stderr.tell()
        except Exception:
            return 0

    def finish(self, timeout: float, warnings: list[str]) -> int | None:
        """Close stdin (end of input: the daemon must exit 0) and wait; kill if it does not."""
        try:
            self.proc.stdin.close()
        except OSError:
            pass
        try:
            rc = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            warnings.append(f"{self.name}: daemon did not exit within {timeout:.0f} s of stdin EOF; killed")
            self.proc.kill()
            try:
                rc = self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                rc = None
        _untrack(self.proc)
        self.reader.thread.join(timeout=5)
        if rc not in (0,) and rc is not None and not warnings_has(warnings, self.name):
            warnings.append(f"{self.name}: daemon exited with code {rc} after stdin EOF "
                            f"(expected 0); stderr: {self.stderr_tail()}")
        if self.stderr_size() > 0:
            warnings.append(f"{self.name}: daemon wrote {self.stderr_size()} bytes to stderr; "
                            f"last: {self.stderr_tail(300)}")
        if self.reader.garbage:
            warnings.append(f"{self.name}: {len(self.reader.garbage)} stdout line(s) that are not "
                            f"JSON-RPC messages, first: {self.reader.garbage[0][:200]!r}")
        return rc

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
        _untrack(self.proc)


def warnings_has(warnings: list[str], name: str) -> bool:
    return any(w.startswith(name + ": daemon did not exit") for w in warnings)


def check_deltas(lines: list[bytes], expected: dict) -> dict:
    """Parse chat.delta lines; expected maps request_id -> number of content deltas.

    Content deltas carry "i," with i increasing from 0; checks each arrives once, in order."""
    nxt = {rid: 0 for rid in expected}
    stats = {"notifications": len(lines), "content_deltas": 0, "other_deltas": 0,
             "out_of_order": 0, "unknown_request": 0, "malformed": 0, "first_problem": None}
    for line in lines:
        try:
            msg = json.loads(line)
            p = msg["params"]
            rid = p["request_id"]
            delta = p.get("delta") or {}
            content = delta.get("content")
        except (ValueError, KeyError, TypeError, AttributeError):
            stats["malformed"] += 1
            stats["first_problem"] = stats["first_problem"] or f"malformed chat.delta: {line[:200]!r}"
            continue
        if rid not in nxt:
            stats["unknown_request"] += 1
            stats["first_problem"] = stats["first_problem"] or f"chat.delta for unknown request_id {rid!r}"
            continue
        if not content:
            stats["other_deltas"] += 1
            continue
        stats["content_deltas"] += 1
        want = f"{nxt[rid]},"
        if content == want:
            nxt[rid] += 1
        else:
            stats["out_of_order"] += 1
            stats["first_problem"] = stats["first_problem"] or (
                f"request {rid}: expected delta {want!r}, got {content[:40]!r}")
            try:
                nxt[rid] = int(content.rstrip(",")) + 1
            except ValueError:
                pass
    missing = {rid: expected[rid] - nxt[rid] for rid in expected if nxt[rid] != expected[rid]}
    stats["streams_complete"] = sum(1 for rid in expected if nxt[rid] == expected[rid])
    stats["missing"] = missing
    stats["ok"] = (not missing and stats["out_of_order"] == 0 and stats["malformed"] == 0
                   and stats["unknown_request"] == 0)
    return stats


def check_completion(result, n: int) -> str | None:
    """None when result is a chat.completion holding exactly the n deltas' content."""
    try:
        choice = result["choices"][0]
        content = choice["message"]["content"]
    except (KeyError, IndexError, TypeError):
        return f"final result is not a chat.completion: {json.dumps(result)[:200]}"
    if content != expected_content(n):
        exp = expected_content(n)
        return (f"final content wrong: {len(content or '')} chars, expected {len(exp)}; "
                f"starts {str(content)[:40]!r}")
    if choice.get("finish_reason") != "stop":
        return f"finish_reason {choice.get('finish_reason')!r}, expected 'stop'"
    usage = result.get("usage")
    if not isinstance(usage, dict) or usage.get("completion_tokens") != n:
        return f"usage missing or wrong: {usage!r}"
    return None


# --------------------------------------------------------------------------------------------
# Scenarios


def daemon_env(base_url: str, config_home: str) -> dict:
    proxy_vars = {"http_proxy", "https_proxy", "all_proxy", "ftp_proxy"}
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("SWITCHBOARD_", "OPENAI_")) and k.lower() not in proxy_vars}
    env.update({
        "OPENAI_BASE_URL": base_url,
        "OPENAI_API_KEY": "bench-key",
        "XDG_CONFIG_HOME": config_home,   # empty: no user config file interferes
        "NO_PROXY": "127.0.0.1,localhost",
        "no_proxy": "127.0.0.1,localhost",
    })
    return env


INIT_LINE = (json.dumps({"jsonrpc": "2.0", "id": 1, "method": "initialize",
                         "params": {"client_info": {"name": "switchboard-bench", "version": "1"}}},
                        separators=(",", ":")) + "\n").encode()


def _timed_spawn_exit(argv: list[str], env: dict, timeout: float) -> tuple[float, int, bytes]:
    t0 = perf()
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, env=env, close_fds=True)
    _track(proc)
    try:
        out, _ = proc.communicate(timeout=timeout)
        t1 = perf()
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=5)
        raise BenchError(f"{' '.join(argv)} did not exit within {timeout:.0f} s")
    finally:
        _untrack(proc)
    return t1 - t0, proc.returncode, out


def _cold_start_once(binary: str, env: dict, args: list[str], timeout: float) -> tuple[float, float, int | None]:
    """Returns (spawn -> initialize response, initialize response -> exit after EOF, rc)."""
    t0 = perf()
    proc = subprocess.Popen([binary, *args], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, env=env, bufsize=0, close_fds=True)
    _track(proc)
    try:
        fd = proc.stdout.fileno()
        write_all(proc.stdin.fileno(), INIT_LINE)
        buf = b""
        deadline = t0 + timeout
        while b"\n" not in buf:
            remaining = deadline - perf()
            if remaining <= 0:
                raise BenchError(f"no initialize response within {timeout:.0f} s")
            ready, _, _ = select.select([fd], [], [], remaining)
            if ready:
                chunk = os.read(fd, 65536)
                if not chunk:
                    raise BenchError(f"daemon exited before answering initialize (code {proc.wait(5)})")
                buf += chunk
        t1 = perf()
        try:
            msg = json.loads(buf.split(b"\n", 1)[0])
        except ValueError:
            raise BenchError(f"first stdout line is not JSON: {buf[:200]!r}") from None
        if msg.get("id") != 1 or not isinstance(msg.get("result"), dict):
            raise BenchError(f"unexpected initialize answer: {buf[:300]!r}")
        proc.stdin.close()
        try:
            rc = proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            rc = None
        t2 = perf()
        return t1 - t0, t2 - t1, rc
    except BrokenPipeError as exc:
        raise BenchError(f"daemon closed stdin before initialize ({exc})") from exc
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=5)
        _untrack(proc)


def scenario_cold_start(a, env, warnings) -> dict:
    runs = a.runs
    log(f"[cold start] {runs} runs of spawn -> initialize response, {runs} of --version, {runs} of /bin/true")
    # one unmeasured run to warm the page cache
    _cold_start_once(a.binary, env, a.daemon_arg, a.timeout)
    init, exit_after, codes = [], [], []
    for _ in range(runs):
        t_init, t_exit, rc = _cold_start_once(a.binary, env, a.daemon_arg, a.timeout)
        init.append(t_init)
        exit_after.append(t_exit)
        codes.append(rc)
    bad = [c for c in codes if c != 0]
    if bad:
        warnings.append(f"cold start: daemon exit code after initialize + stdin EOF was {bad[:5]} "
                        f"in {len(bad)}/{runs} runs (expected 0)")
    version, vcodes, vout = [], [], b""
    for _ in range(runs):
        t, rc, vout = _timed_spawn_exit([a.binary, "--version", *a.daemon_arg], env, a.timeout)
        version.append(t)
        vcodes.append(rc)
    if any(c != 0 for c in vcodes):
        warnings.append(f"--version exited with code(s) {sorted(set(vcodes))}")
    floor = []
    true_bin = "/bin/true" if os.path.exists("/bin/true") else "/usr/bin/true"
    for _ in range(runs):
        t, _, _ = _timed_spawn_exit([true_bin], env, a.timeout)
        floor.append(t)
    return {
        "runs": runs,
        "initialize": summary_ms(init),
        "exit_after_eof": summary_ms(exit_after),
        "version": summary_ms(version),
        "version_output": vout.decode("utf-8", "replace").strip()[:80],
        "spawn_floor_bin_true": summary_ms(floor),
    }


def scenario_harness_floor(n: int, timeout: float) -> dict:
    """Same thread/queue/pipe/parse path as the latency scenario, with no daemon in between:
    what the harness itself adds to every latency sample."""
    r, w = os.pipe()
    reader = LineReader(r, "floor-reader")
    got: queue.Queue = queue.Queue()

    def on_delta(line, t):
        msg = json.loads(line)
        got.put((msg["params"]["delta"].get("content"), t))

    reader.on_delta = on_delta
    release: queue.Queue = queue.Queue()
    ts = [0.0] * n

    def writer():
        for i in range(n):
            try:
                release.get(timeout=timeout)
            except queue.Empty:
                return
            line = (b'{"jsonrpc":"2.0","method":"chat.delta","params":{"request_id":1,"index":0,'
                    b'"delta":{"content":"%d,"},"finish_reason":null}}\n' % i)
            ts[i] = perf()
            os.write(w, line)

    th = threading.Thread(target=writer, name="floor-writer", daemon=True)
    th.start()
    samples = []
    try:
        for i in range(n):
            release.put(i)
            _, t = got.get(timeout=timeout)
            samples.append(t - ts[i])
    finally:
        os.close(w)
        reader.thread.join(timeout=5)
        os.close(r)
    return summary_ms(samples[min(100, n // 10):])


def scenario_harness_ceiling(n: int, timeout: float) -> dict:
    """How many chat.delta lines per second the stdout reader can take (a pipe fed by a thread,
    no daemon): the throughput figure means something only while it is well below this."""
    data = b"".join(
        b'{"jsonrpc":"2.0","method":"chat.delta","params":{"request_id":2,"index":0,'
        b'"delta":{"content":"%d,"},"finish_reason":null}}\n' % i for i in range(n))
    r, w = os.pipe()
    reader = LineReader(r, "ceiling-reader")

    def writer():
        view = memoryview(data)
        try:
            for off in range(0, len(data), 1 << 20):
                write_all(w, view[off:off + (1 << 20)])
        finally:
            os.close(w)

    t0 = perf()
    th = threading.Thread(target=writer, name="ceiling-writer", daemon=True)
    th.start()
    reader.thread.join(timeout)
    t1 = perf()
    th.join(timeout=5)
    os.close(r)
    if reader.delta_count != n:
        raise BenchError(f"harness ceiling: read {reader.delta_count} of {n} lines")
    return {"lines_per_s": round(n / (t1 - t0), 1)}


def scenario_latency(a, env, up: Upstream, warnings) -> dict:
    warm = a.warmup
    n = warm + a.latency_deltas
    log(f"[latency] ping-pong: {a.latency_deltas} deltas (+{warm} warm-up), one in flight at a time")
    d = Daemon(a.binary, env, a.daemon_arg, "latency")
    ok = False  # on failure the daemon is killed, not waited for
    try:
        d.initialize(a.timeout)
        pp = PingPong(n)
        up.pingpong = pp
        got: queue.Queue = queue.Queue()

        def on_delta(line, t):
            try:
                content = json.loads(line)["params"]["delta"].get("content")
            except (ValueError, KeyError, TypeError, AttributeError):
                content = None
            if content:
                got.put((content, t))

        d.reader.on_delta = on_delta
        rid, _ = d.stream(f"bench-pingpong-{n}")
        samples = []
        deadline = perf() + max(a.timeout, n * 0.05)
        for i in range(n):
            pp.release.put(i)
            remaining = deadline - perf()
            try:
                content, t = got.get(timeout=max(0.01, min(a.timeout, remaining)))
            except queue.Empty:
                pp.aborted = True
                raise BenchError(f"delta {i} not relayed within {a.timeout:.0f} s "
                                 f"(daemon alive: {d.proc.poll() is None}; stderr: {d.stderr_tail()})") from None
            if content != f"{i},":
                pp.aborted = True
                raise BenchError(f"ping-pong: expected delta {i},, got {content[:40]!r}")
            if i >= warm:
                samples.append(t - pp.write_ts[i])
        result, _ = d.result(rid, a.timeout)
        problem = check_completion(result, n)
        if problem:
            warnings.append(f"latency: {problem}")
        d.reader.on_delta = None
        out = summary_ms(samples)
        reqs = up.requests_for("bench-pingpong")
        if len(reqs) != 1:
            warnings.append(f"latency: upstream saw {len(reqs)} requests for the ping-pong stream (expected 1)")
        ok = True
        return out
    finally:
        up.pingpong = None
        if ok and d.proc.poll() is None:
            d.finish(10, warnings)
        d.kill()


def scenario_throughput(a, env, up: Upstream, warnings) -> dict:
    n = a.deltas
    log(f"[throughput] one stream of {n} tiny deltas")
    up.flood_body(f"bench-flood-{n}", n)           # pre-encode outside the timed window
    up.flood_body("bench-flood-1000", 1000)
    d = Daemon(a.binary, env, a.daemon_arg, "throughput")
    ok = False  # on failure the daemon is killed, not waited for
    try:
        d.initialize(a.timeout)
        # warm-up: one small stream (connection set up, code paths paged in)
        rid, _ = d.stream("bench-flood-1000")
        result, _ = d.result(rid, a.timeout)
        problem = check_completion(result, 1000)
        if problem:
            warnings.append(f"throughput warm-up: {problem}")
        time.sleep(0.05)
        d.reader.delta_lines = []
        d.reader.first_delta_t = None
        cpu0 = proc_cpu_seconds(d.pid)
        rid, t0 = d.stream(f"bench-flood-{n}")
        try:
            msg, t1 = d.reader.wait_response(rid, a.timeout)
        except BenchError as exc:
            got = len(d.reader.delta_lines)
            raise BenchError(f"{exc}; {got} chat.delta received in {perf() - t0:.1f} s "
                             f"(~{got / max(1e-9, perf() - t0):,.0f}/s)") from None
        cpu1 = proc_cpu_seconds(d.pid)
        hwm = proc_status_value(d.pid, "VmHWM")
        lines = d.reader.delta_lines
        d.reader.delta_lines = []
        if "error" in msg:
            raise BenchError(f"stream failed: {json.dumps(msg['error'])[:400]}; "
                             f"{len(lines)} chat.delta received first")
        elapsed = t1 - t0
        stats = check_deltas(lines, {rid: n})
        problem = check_completion(msg["result"], n)
        if problem:
            warnings.append(f"throughput: {problem}")
        if not stats["ok"]:
            warnings.append(f"throughput: delivery check failed: missing {stats['missing']}, "
                            f"{stats['out_of_order']} out of order; {stats['first_problem']}")
        first = d.reader.first_delta_t
        with up.lock:
            done = up.flood_done.get(f"bench-flood-{n}")
        cpu = None if cpu0 is None or cpu1 is None else cpu1 - cpu0
        ok = True
        return {
            "deltas": n,
            "notifications": stats["notifications"],
            "elapsed_s": round(elapsed, 4),
            "deltas_per_s": round(stats["notifications"] / elapsed, 1) if elapsed > 0 else None,
            "first_delta_ms": round((first - t0) * 1000, 3) if first else None,
            "upstream_done_ms": round((done - t0) * 1000, 3) if done else None,
            "cpu_s": round(cpu, 3) if cpu is not None else None,
            "cpu_ms_per_10k": round(cpu * 1000 / n * 10_000, 2) if cpu is not None else None,
            "hwm_mib": mib(hwm),
            "delivery_ok": stats["ok"] and problem is None,
            "delivery": {k: stats[k] for k in ("content_deltas", "other_deltas", "out_of_order",
                                               "missing", "first_problem")},
            "final_ok": problem is None,
        }
    finally:
        if ok and d.proc.poll() is None:
            d.finish(10, warnings)
        d.kill()


def scenario_memory(a, env, up: Upstream, warnings) -> dict:
    c, n, delay_ms = a.concurrency, a.stream_deltas, a.stream_delay_ms
    log(f"[memory] idle RSS, then {c} concurrent streams x {n} deltas ({delay_ms} ms apart)")
    d = Daemon(a.binary, env, a.daemon_arg, "memory")
    ok = False  # on failure the daemon is killed, not waited for
    try:
        d.initialize(a.timeout)
        time.sleep(0.2)
        idle = proc_status_value(d.pid, "VmRSS")
        idle_threads = proc_status_value(d.pid, "Threads")
        idle_anon = proc_status_value(d.pid, "RssAnon")
        idle_file = proc_status_value(d.pid, "RssFile")
        peak = [idle or 0]
        samples = [0]
        stop = threading.Event()
        ideal_s = n * delay_ms / 1000.0
        limit_s = max(a.timeout, ideal_s * 10 + 30)

        def sampler():
            end = perf() + limit_s + 10
            while not stop.is_set() and perf() < end:
                v = proc_status_value(d.pid, "VmRSS")
                if v is None:
                    return
                samples[0] += 1
                if v > peak[0]:
                    peak[0] = v
                stop.wait(0.01)

        th = threading.Thread(target=sampler, name="rss-sampler", daemon=True)
        th.start()
        model = f"bench-steady-{n}-{delay_ms}"
        with up.lock:
            up.steady_done.clear()
        d.reader.delta_lines = []
        t0 = perf()
        ids = [d.stream(model)[0] for _ in range(c)]
        deadline = t0 + limit_s
        answers = {}
        try:
            for rid in ids:
                answers[rid] = d.reader.wait_response(rid, max(0.01, deadline - perf()))
        finally:
            stop.set()
            th.join(timeout=5)
        t1 = max(t for _, t in answers.values())
        lines = d.reader.delta_lines
        d.reader.delta_lines = []
        hwm = proc_status_value(d.pid, "VmHWM")
        busy_threads = proc_status_value(d.pid, "Threads")
        time.sleep(1.0)
        after = proc_status_value(d.pid, "VmRSS")
        errors = [m["error"] for m, _ in answers.values() if "error" in m]
        complete = 0
        first_bad = None
        for m, _ in answers.values():
            if "result" in m:
                p = check_completion(m["result"], n)
                if p is None:
                    complete += 1
                else:
                    first_bad = first_bad or p
        stats = check_deltas(lines, {rid: n for rid in ids})
        if errors:
            warnings.append(f"memory: {len(errors)}/{c} streams failed, first: {json.dumps(errors[0])[:300]}")
        if first_bad:
            warnings.append(f"memory: incomplete final response: {first_bad}")
        if not stats["ok"]:
            warnings.append(f"memory: delivery check failed: {len(stats['missing'])} stream(s) missing deltas, "
                            f"{stats['out_of_order']} out of order; {stats['first_problem']}")
        reqs = up.requests_for("bench-steady")
        if len(reqs) != c:
            warnings.append(f"memory: upstream saw {len(reqs)} stream requests (expected {c})")
        starts = sorted(r["t"] for r in reqs)
        with up.lock:
            up_done = max(up.steady_done) if up.steady_done else None
        ok = True
        return {
            "idle_rss_mib": mib(idle),
            "peak_rss_mib": mib(peak[0]),
            "hwm_mib": mib(hwm),
            "rss_after_mib": mib(after),
            "rss_samples": samples[0],
            "idle_rss_anon_mib": mib(idle_anon),
            "idle_rss_file_mib": mib(idle_file),
            "threads_idle": idle_threads,
            "threads_after_load": busy_threads,
            "concurrency": c,
            "deltas_per_stream": n,
            "delay_ms": delay_ms,
            "elapsed_s": round(t1 - t0, 3),
            "ideal_s": round(ideal_s, 3),
            "upstream_first_request_ms": round((starts[0] - t0) * 1000, 1) if starts else None,
            "upstream_last_request_ms": round((starts[-1] - t0) * 1000, 1) if starts else None,
            "upstream_done_s": round(up_done - t0, 3) if up_done else None,
            "complete": complete,
            "delivery_ok": stats["ok"] and complete == c,
            "notifications": stats["notifications"],
        }
    finally:
        if ok and d.proc.poll() is None:
            d.finish(30, warnings)
        d.kill()


# --------------------------------------------------------------------------------------------
# Report


def fmt_ms(x) -> str:
    if x is None:
        return "n/a"
    return f"{x:.3f} ms" if x < 1 else f"{x:.2f} ms" if x < 100 else f"{x:.0f} ms"


def verdict(value, limit, lower_is_better=True) -> str:
    if value is None:
        return "n/a"
    ok = value < limit if lower_is_better else value >= limit
    return "PASS" if ok else "MISS"


def build_targets(res: dict) -> list[dict]:
    t = []
    cs = res.get("cold_start")
    if isinstance(cs, dict) and "initialize" in cs:
        v = cs["initialize"]["p50_ms"]
        t.append({"name": "start-up (median spawn -> initialize)", "value": v, "unit": "ms",
                  "target": f"< {TARGET_STARTUP_MS:g} ms", "verdict": verdict(v, TARGET_STARTUP_MS)})
    lat = res.get("latency")
    if isinstance(lat, dict) and "p50_ms" in lat:
        v = lat["p50_ms"]
        t.append({"name": "added latency p50", "value": v, "unit": "ms",
                  "target": f"< {TARGET_LATENCY_P50_MS:g} ms", "verdict": verdict(v, TARGET_LATENCY_P50_MS)})
    tp = res.get("throughput")
    if isinstance(tp, dict) and "deltas_per_s" in tp:
        v = tp["deltas_per_s"]
        t.append({"name": "throughput, one stream", "value": v, "unit": "deltas/s",
                  "target": f">= {TARGET_THROUGHPUT:,.0f}/s",
                  "verdict": verdict(v, TARGET_THROUGHPUT, lower_is_better=False)})
    mem = res.get("memory")
    if isinstance(mem, dict) and "idle_rss_mib" in mem:
        v = mem["idle_rss_mib"]
        t.append({"name": "idle RSS", "value": v, "unit": "MiB",
                  "target": f"< {TARGET_IDLE_RSS_MIB:g} MiB", "verdict": verdict(v, TARGET_IDLE_RSS_MIB)})
    return t


def print_table(res: dict, out=sys.stdout) -> None:
    rows: list[tuple[str, str, str, str]] = []

    def row(name, value, target="", v=""):
        rows.append((name, value, target, v))

    def err(name, key):
        e = res.get(key)
        if isinstance(e, dict) and "error" in e:
            row(name, "ERROR: " + e["error"][:90], "", "ERROR")
            return True
        return False

    cs = res.get("cold_start")
    if cs is not None and not err("cold start", "cold_start"):
        i = cs["initialize"]
        row(f"start-up: spawn -> initialize response ({cs['runs']} runs)",
            f"median {fmt_ms(i['p50_ms'])}, p90 {fmt_ms(i['p90_ms'])}",
            f"< {TARGET_STARTUP_MS:g} ms", verdict(i["p50_ms"], TARGET_STARTUP_MS))
        v = cs["version"]
        row("  spawn -> exit, --version", f"median {fmt_ms(v['p50_ms'])}, p90 {fmt_ms(v['p90_ms'])}")
        e = cs["exit_after_eof"]
        row("  initialize response -> exit on stdin EOF", f"median {fmt_ms(e['p50_ms'])}, p90 {fmt_ms(e['p90_ms'])}")
        f = cs["spawn_floor_bin_true"]
        row("  spawn floor: spawn -> exit, /bin/true", f"median {fmt_ms(f['p50_ms'])}, p90 {fmt_ms(f['p90_ms'])}")
    lat = res.get("latency")
    if lat is not None and not err("added latency", "latency"):
        row(f"added latency per delta (ping-pong, {lat['n']} deltas)",
            f"p50 {fmt_ms(lat['p50_ms'])}, p99 {fmt_ms(lat['p99_ms'])}",
            f"p50 < {TARGET_LATENCY_P50_MS:g} ms", verdict(lat["p50_ms"], TARGET_LATENCY_P50_MS))
        fl = res.get("harness_floor")
        if isinstance(fl, dict) and "p50_ms" in fl:
            row("  harness floor (same path, no daemon)", f"p50 {fmt_ms(fl['p50_ms'])}, p99 {fmt_ms(fl['p99_ms'])}")
            net = lat["p50_ms"] - fl["p50_ms"]
            row("  daemon share, p50 minus floor (estimate)", fmt_ms(max(0.0, net)))
        row("  min / max", f"{fmt_ms(lat['min_ms'])} / {fmt_ms(lat['max_ms'])}")
    tp = res.get("throughput")
    if tp is not None and not err("throughput", "throughput"):
        row(f"throughput: one stream of {tp['deltas']:,} deltas",
            f"{tp['deltas_per_s']:,.0f} deltas/s ({tp['elapsed_s']:.3f} s)",
            f">= {TARGET_THROUGHPUT:,.0f}/s", verdict(tp["deltas_per_s"], TARGET_THROUGHPUT, False))
        hc = res.get("harness_ceiling")
        if isinstance(hc, dict) and "lines_per_s" in hc:
            row("  harness ceiling (reader alone, no daemon)", f"{hc['lines_per_s']:,.0f} lines/s")
        row("  daemon CPU per 10,000 deltas",
            "n/a" if tp["cpu_ms_per_10k"] is None else f"{tp['cpu_ms_per_10k']:.1f} ms "
            f"(total {tp['cpu_s']:.2f} s, {CLK_TCK} Hz ticks)")
        row("  first delta after request / upstream done writing",
            f"{fmt_ms(tp['first_delta_ms'])} / {fmt_ms(tp['upstream_done_ms'])}")
        dl = tp["delivery"]
        row("  daemon VmHWM after the stream", f"{tp['hwm_mib']} MiB")
        row("  every delta exactly once, in order; final content",
            ("OK" if tp["delivery_ok"] else "FAILED") +
            f" ({dl['content_deltas']:,} content + {dl['other_deltas']} other chat.delta)")
    mem = res.get("memory")
    if mem is not None and not err("memory", "memory"):
        row("idle RSS after initialize", f"{mem['idle_rss_mib']:.2f} MiB",
            f"< {TARGET_IDLE_RSS_MIB:g} MiB", verdict(mem["idle_rss_mib"], TARGET_IDLE_RSS_MIB))
        row("  of which anonymous / file-backed (libraries)",
            f"{mem['idle_rss_anon_mib']} MiB / {mem['idle_rss_file_mib']} MiB")
        row(f"peak RSS, {mem['concurrency']} concurrent streams (10 ms samples)", f"{mem['peak_rss_mib']} MiB")
        row("  VmHWM at end / RSS 1 s after", f"{mem['hwm_mib']} MiB / {mem['rss_after_mib']} MiB")
        row("  daemon threads idle / after load", f"{mem['threads_idle']} / {mem['threads_after_load']}")
        row(f"  {mem['concurrency']} x {mem['deltas_per_stream']} deltas, {mem['delay_ms']} ms apart: last response",
            f"{mem['elapsed_s']:.2f} s (pacing {mem['ideal_s']:.2f} s, upstream done {mem['upstream_done_s']} s)")
        row(f"  upstream received request 1 / {mem['concurrency']} after",
            f"{fmt_ms(mem['upstream_first_request_ms'])} / {fmt_ms(mem['upstream_last_request_ms'])}")
        row("  all final responses complete",
            ("OK" if mem["delivery_ok"] else "FAILED") + f" ({mem['complete']}/{mem['concurrency']})")

    w0 = max(len(r[0]) for r in rows) if rows else 10
    w1 = max(len(r[1]) for r in rows) if rows else 10
    w2 = max((len(r[2]) for r in rows), default=6)
    w2 = max(w2, 6)
    meta = res["meta"]
    print(f"Switchboard benchmark  {meta['date']}  binary {meta['binary']}", file=out)
    print(f"{meta['machine']}, {meta['cpus']} CPUs, Python {meta['python']}, "
          f"load average at start {meta.get('loadavg_at_start')}", file=out)
    print(file=out)
    print(f"{'figure':<{w0}}  {'measured':<{w1}}  {'target':<{w2}}  verdict", file=out)
    print(f"{'-' * w0}  {'-' * w1}  {'-' * w2}  -------", file=out)
    for name, value, target, v in rows:
        print(f"{name:<{w0}}  {value:<{w1}}  {target:<{w2}}  {v}".rstrip(), file=out)
    if res["warnings"]:
        print(file=out)
        print("warnings (daemon behaviour worth a look):", file=out)
        for w in res["warnings"]:
            print(f"  - {w}", file=out)


# --------------------------------------------------------------------------------------------


def main(argv=None) -> int:
    p = argparse.ArgumentParser(
        description="Benchmark the switchboard daemon against a local fake upstream.",
        epilog="Exit code 0 whenever figures were produced (PASS or MISS); 1 if a scenario "
               "could not be measured; 2 for a bad command line or missing binary.")
    p.add_argument("--binary", default=str(DEFAULT_BINARY),
                   help="daemon binary (default: .build/release/switchboard in the repo)")
    p.add_argument("--runs", type=int, default=20, help="cold-start runs (default 20)")
    p.add_argument("--deltas", type=int, default=100_000,
                   help="deltas in the throughput stream (default 100000)")
    p.add_argument("--latency-deltas", type=int, default=2000,
                   help="measured ping-pong deltas (default 2000)")
    p.add_argument("--warmup", type=int, default=200, help="unmeasured ping-pong deltas first (default 200)")
    p.add_argument("--concurrency", type=int, default=64, help="concurrent streams in the memory scenario (default 64)")
    p.add_argument("--stream-deltas", type=int, default=2000, help="deltas per concurrent stream (default 2000)")
    p.add_argument("--stream-delay-ms", type=int, default=2,
                   help="upstream pause between deltas of a concurrent stream, ms (default 2)")
    p.add_argument("--only", default="cold,latency,throughput,memory",
                   help="comma-separated scenarios: cold,latency,throughput,memory")
    p.add_argument("--timeout", type=float, default=120.0,
                   help="longest wait for any single answer, seconds (default 120)")
    p.add_argument("--daemon-arg", action="append", default=[],
                   help="extra argument for the daemon (repeatable), e.g. --daemon-arg=--log-level=error")
    p.add_argument("--json", action="store_true", help="print the results as JSON instead of the table")
    p.add_argument("--serve-upstream", type=float, metavar="SECONDS", default=None,
                   help="only run the fake upstream for SECONDS (prints its URL; for curl or debugging)")
    a = p.parse_args(argv)

    if a.serve_upstream is not None:
        up = Upstream(io_timeout=a.timeout)
        print(up.base_url, flush=True)
        try:
            time.sleep(max(0.0, min(a.serve_upstream, 3600.0)))
        except KeyboardInterrupt:
            pass
        up.close()
        return 0

    scenarios = [s.strip() for s in a.only.split(",") if s.strip()]
    unknown = set(scenarios) - {"cold", "latency", "throughput", "memory"}
    if unknown:
        p.error(f"unknown scenario(s): {', '.join(sorted(unknown))}")
    for name in ("runs", "deltas", "latency_deltas", "concurrency", "stream_deltas"):
        if getattr(a, name) < 1:
            p.error(f"--{name.replace('_', '-')} must be >= 1")
    if a.warmup < 0 or a.stream_delay_ms < 0 or a.timeout <= 0:
        p.error("--warmup, --stream-delay-ms must be >= 0 and --timeout > 0")
    binary = Path(a.binary)
    if not binary.is_absolute():
        binary = (Path.cwd() / binary)
    if not (binary.is_file() and os.access(binary, os.X_OK)):
        print(f"run.py: daemon binary not found or not executable: {binary}\n"
              f"build it first: swift build -c release   (or pass --binary PATH)", file=sys.stderr)
        return 2
    a.binary = str(binary)

    signal.signal(signal.SIGTERM, _on_signal)
    if sys.platform != "linux":
        log("note: /proc is Linux-only; RSS and CPU figures will be n/a")

    res: dict = {
        "meta": {
            "date": time.strftime("%Y-%m-%d %H:%M:%S"),
            "binary": a.binary,
            "machine": f"{platform.system()} {platform.release()} {platform.machine()}",
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "loadavg_at_start": load_average(),
            "args": {k: v for k, v in vars(a).items() if k != "json"},
        },
        "warnings": [],
    }
    warnings = res["warnings"]
    failed = False
    up = Upstream(io_timeout=a.timeout)
    config_home = tempfile.mkdtemp(prefix="sb-bench-cfg-")
    env = daemon_env(up.base_url, config_home)
    log(f"fake upstream on {up.base_url}; daemon {a.binary}")
    try:
        steps = [
            ("cold", "cold_start", lambda: scenario_cold_start(a, env, warnings)),
            ("latency", "harness_floor", lambda: scenario_harness_floor(a.latency_deltas + a.warmup, a.timeout)),
            ("latency", "latency", lambda: scenario_latency(a, env, up, warnings)),
            ("throughput", "harness_ceiling", lambda: scenario_harness_ceiling(a.deltas, a.timeout)),
            ("throughput", "throughput", lambda: scenario_throughput(a, env, up, warnings)),
            ("memory", "memory", lambda: scenario_memory(a, env, up, warnings)),
        ]
        for sel, key, fn in steps:
            if sel not in scenarios:
                continue
            try:
                res[key] = fn()
            except BenchError as exc:
                failed = True
                res[key] = {"error": str(exc)}
                log(f"[{key}] ERROR: {exc}")
        bad_auth = [r for r in up.requests if r.get("auth") != "Bearer bench-key"]
        if bad_auth:
            warnings.append(f"{len(bad_auth)} upstream request(s) without 'Authorization: Bearer bench-key', "
                            f"first: {bad_auth[0].get('auth')!r}")
        no_usage = [r for r in up.requests if r.get("stream") and not r.get("include_usage")]
        if no_usage:
            warnings.append(f"{len(no_usage)} streaming upstream request(s) without "
                            f"stream_options.include_usage=true")
        if up.handler_errors:
            warnings.append(f"fake upstream saw {len(up.handler_errors)} dropped connection(s), "
                            f"first: {up.handler_errors[0]}")
    except KeyboardInterrupt:
        log("interrupted")
        return 130
    finally:
        _kill_all()
        up.close()
        try:
            os.rmdir(config_home)
        except OSError:
            pass

    res["targets"] = build_targets(res)
    if a.json:
        json.dump(res, sys.stdout, indent=2)
        print()
    else:
        print_table(res)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
