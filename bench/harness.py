"""Shared by the benchmark scripts (run.py, soak.py, peers.py): the daemon driver (NDJSON over
pipes, stdout read on a dedicated thread), process bookkeeping (every process spawned is killed on
the way out), /proc readers and small statistics helpers.

Standard library only (Python 3.11+).
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import platform
import select
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from fake_upstream import Upstream, expected_content

perf = time.perf_counter

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_BINARY = REPO_ROOT / ".build" / "release" / "switchboard"

MESSAGES = [{"role": "user", "content": "benchmark"}]


class BenchError(Exception):
    """A scenario could not be measured."""


# --------------------------------------------------------------------------------------------
# Process bookkeeping: every process we spawn is killed on the way out, whatever happens.

_LIVE: set[subprocess.Popen] = set()
_LIVE_LOCK = threading.Lock()


def track(proc: subprocess.Popen) -> None:
    with _LIVE_LOCK:
        _LIVE.add(proc)


def untrack(proc: subprocess.Popen) -> None:
    with _LIVE_LOCK:
        _LIVE.discard(proc)


def kill_all() -> None:
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


def on_signal(signum, _frame):
    raise SystemExit(128 + signum)


atexit.register(kill_all)


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
# Daemon driver: NDJSON over pipes, stdout parsed on a dedicated thread.


class LineReader:
    """Reads NDJSON lines from fd on its own thread.

    chat.delta notifications are recognised without parsing (fast path) and either appended raw
    to delta_lines or handed to on_delta(line, t); everything else is parsed: responses are
    handed to on_response(msg, t) when it is set (every one, duplicates included), stored by id
    and waiters are woken. t is perf_counter() taken right after the read()."""

    def __init__(self, fd: int, name: str):
        self.fd = fd
        self.on_delta = None
        self.on_response = None
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
                if self.on_response is not None:
                    self.on_response(m, t)
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
        track(self.proc)
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
        untrack(self.proc)
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
        untrack(self.proc)


def warnings_has(warnings: list[str], name: str) -> bool:
    return any(w.startswith(name + ": daemon did not exit") for w in warnings)



# --------------------------------------------------------------------------------------------
# Delivery checks


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
# Spawning the daemon


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


def timed_spawn_exit(argv: list[str], env: dict, timeout: float) -> tuple[float, int, bytes]:
    t0 = perf()
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, env=env, close_fds=True)
    track(proc)
    try:
        out, _ = proc.communicate(timeout=timeout)
        t1 = perf()
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=5)
        raise BenchError(f"{' '.join(argv)} did not exit within {timeout:.0f} s")
    finally:
        untrack(proc)
    return t1 - t0, proc.returncode, out


def cold_start_once(binary: str, env: dict, args: list[str], timeout: float) -> tuple[float, float, int | None]:
    """Returns (spawn -> initialize response, initialize response -> exit after EOF, rc)."""
    t0 = perf()
    proc = subprocess.Popen([binary, *args], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, env=env, bufsize=0, close_fds=True)
    track(proc)
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
        untrack(proc)



def resolve_binary(path: str, script: str) -> str | None:
    """The daemon binary as an absolute path; None, after saying why on stderr, when it is unusable."""
    binary = Path(path).absolute()
    if binary.is_file() and os.access(binary, os.X_OK):
        return str(binary)
    print(f"{script}: daemon binary not found or not executable: {binary}\n"
          f"build it first: swift build -c release   (or pass --binary PATH)", file=sys.stderr)
    return None


@contextlib.contextmanager
def upstream_session(io_timeout: float):
    """Yields (fake upstream, daemon environment); on the way out every process spawned is killed,
    the upstream closed and the empty config home removed."""
    up = Upstream(io_timeout=io_timeout)
    config_home = tempfile.mkdtemp(prefix="sb-bench-cfg-")
    try:
        yield up, daemon_env(up.base_url, config_home)
    finally:
        kill_all()
        up.close()
        try:
            os.rmdir(config_home)
        except OSError:
            pass


# --------------------------------------------------------------------------------------------
# Output


def format_table(headers: list[str], rows: list[list[str]]) -> str:
    """A plain-text table: columns padded to their widest cell, a dashed rule under the header."""
    widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(headers)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths)).rstrip(),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows]
    return "\n".join(lines)


def machine_line() -> str:
    """Machine, CPU count, Python version and load average, for a table's header."""
    return (f"{platform.system()} {platform.release()} {platform.machine()}, {os.cpu_count()} CPUs, "
            f"Python {platform.python_version()}, load average at start {load_average()}")
