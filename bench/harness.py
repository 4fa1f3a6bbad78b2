"""Shared by the benchmark scripts (run.py, soak.py, peers.py, real_use.py): the daemon driver
(NDJSON over pipes, stdout read on a dedicated thread that can be paused), process bookkeeping
(every process spawned is killed on the way out), child processes read line by line, /proc
readers (CPU, wake-ups, RSS sampling), small statistics helpers and report formatting.

Standard library only (Python 3.11+).
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import platform
import resource
import select
import signal
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


def proc_tasks(pid: int) -> dict[int, tuple[str, int, int]] | None:
    """Per thread of the process: (name, CPU time in ns, times it was scheduled in), from
    /proc/PID/task/TID/comm and .../schedstat (nanosecond resolution, unlike /proc/PID/stat).

    "Scheduled in" counts every wake-up (and every preemption), so a thread that polls shows up
    even when each wake-up costs almost no CPU. Threads that exit are missing from later
    snapshots, so a sum over threads can undercount; /proc/PID/stat does not. None when the
    process is gone or the kernel has no schedstat."""
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return None
    out: dict[int, tuple[str, int, int]] = {}
    for tid in tids:
        try:
            with open(f"/proc/{pid}/task/{tid}/schedstat", "rb") as f:
                run_ns, _wait_ns, slices = (int(x) for x in f.read().split()[:3])
            with open(f"/proc/{pid}/task/{tid}/comm", "rb") as f:
                name = f.read().decode("utf-8", "replace").strip()
        except (OSError, ValueError):
            continue  # the thread exited between listdir and open
        out[int(tid)] = (name, run_ns, slices)
    return out or None


def tasks_delta(before: dict | None, after: dict | None) -> dict | None:
    """What the threads did between two proc_tasks() snapshots: total CPU (ms) and wake-ups,
    the number of threads at the end, and per thread (busiest first by wake-ups)
    name, tid, cpu_ms and wakeups. A thread born in between counts from zero."""
    if before is None or after is None:
        return None
    threads = []
    for tid, (name, ns, slices) in after.items():
        _, ns0, slices0 = before.get(tid, (name, 0, 0))
        threads.append({"tid": tid, "name": name, "cpu_ms": round((ns - ns0) / 1e6, 3),
                        "wakeups": slices - slices0})
    threads.sort(key=lambda t: (t["wakeups"], t["cpu_ms"]), reverse=True)
    return {"cpu_ms": round(sum(t["cpu_ms"] for t in threads), 3),
            "wakeups": sum(t["wakeups"] for t in threads),
            "threads": len(after), "exited": len(set(before) - set(after)),
            "per_thread": threads}


def proc_thread_waits(pid: int) -> dict[str, int]:
    """What the process's threads are blocked in: kernel wait channel (/proc/PID/task/TID/wchan,
    e.g. anon_pipe_write, futex_do_wait, do_epoll_wait; "running" when on a CPU) -> threads."""
    out: dict[str, int] = {}
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return out
    for tid in tids:
        try:
            with open(f"/proc/{pid}/task/{tid}/wchan", "rb") as f:
                wchan = f.read().decode("ascii", "replace").strip()
        except OSError:
            continue
        key = wchan if wchan and wchan != "0" else "running"
        out[key] = out.get(key, 0) + 1
    return out


class CpuMark:
    """A point in a process's CPU history: utime + stime from /proc/PID/stat (10 ms ticks, dead
    threads included) and a per-thread schedstat snapshot (ns, with wake-ups); `since(earlier)`
    gives what happened in between."""

    def __init__(self, pid: int):
        self.t = perf()
        self.cpu_s = proc_cpu_seconds(pid)
        self.tasks = proc_tasks(pid)

    def since(self, earlier: "CpuMark") -> dict:
        """cpu_ms (from /proc/PID/stat), elapsed_s and the tasks_delta fields under "sched"."""
        cpu = None if self.cpu_s is None or earlier.cpu_s is None else (self.cpu_s - earlier.cpu_s) * 1000
        return {"elapsed_s": round(self.t - earlier.t, 4),
                "cpu_ms": None if cpu is None else round(cpu, 1),
                "sched": tasks_delta(earlier.tasks, self.tasks)}


class RssSampler:
    """Samples VmRSS of pid every `interval` seconds on its own thread, for at most `limit_s`
    seconds, until stop(). Keeps the peak (KiB), the number of samples and, with keep=True,
    every (perf_counter, KiB) sample. `on_sample(kib)` may be set before start()."""

    def __init__(self, pid: int, interval: float, limit_s: float, keep: bool = False, on_sample=None):
        self.pid = pid
        self.interval = interval
        self.limit_s = limit_s
        self.keep = keep
        self.on_sample = on_sample
        self.peak_kib = 0
        self.count = 0
        self.samples: list[tuple[float, int]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"rss-{pid}", daemon=True)

    def start(self) -> "RssSampler":
        self._thread.start()
        return self

    def _run(self) -> None:
        end = perf() + self.limit_s
        while not self._stop.is_set() and perf() < end:
            v = proc_status_value(self.pid, "VmRSS")
            if v is None:
                return
            self.count += 1
            self.peak_kib = max(self.peak_kib, v)
            if self.keep:
                self.samples.append((perf(), v))
            if self.on_sample is not None:
                self.on_sample(v)
            self._stop.wait(self.interval)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)



# --------------------------------------------------------------------------------------------
# Daemon driver: NDJSON over pipes, stdout parsed on a dedicated thread.


class LineReader:
    """Reads NDJSON lines from fd on its own thread.

    chat.delta notifications are recognised without parsing (fast path) and either appended raw
    to delta_lines or handed to on_delta(line, t); everything else is parsed: responses are
    handed to on_response(msg, t) when it is set (every one, duplicates included), stored by id
    and waiters are woken; requests from the daemon (tool.approve, tool.execute) go to
    on_request(msg, t) when it is set. t is perf_counter() taken right after the read().

    pause() makes the thread stop reading (a client that stalls; the daemon's stdout pipe fills
    up); resume() makes it read again. A read already waiting when pause() is called still
    completes, so up to one more chunk is taken before the thread parks."""

    def __init__(self, fd: int, name: str):
        self.fd = fd
        self.on_delta = None
        self.on_response = None
        self.on_request = None
        self.delta_lines: list[bytes] = []
        self.delta_count = 0
        self.first_delta_t: float | None = None
        self.responses: dict = {}
        self.notifications: list = []
        self.garbage: list[bytes] = []
        self.eof = False
        self.cond = threading.Condition()
        self._reading = threading.Event()
        self._reading.set()
        self.parked = threading.Event()
        self.thread = threading.Thread(target=self._run, name=name, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        tail = b""
        try:
            while True:
                if not self._reading.is_set():
                    self.parked.set()
                    self._reading.wait()
                    self.parked.clear()
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

    def pause(self) -> None:
        """Stop reading after the read in progress, if any (see the class comment)."""
        self._reading.clear()

    def resume(self) -> None:
        """Read again (a no-op when not paused)."""
        self._reading.set()

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
            elif isinstance(m, dict) and "method" in m and "id" in m and self.on_request is not None:
                self.on_request(m, t)
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

    def initialize(self, timeout: float, config: dict | None = None) -> dict:
        """initialize (with `config` as its configuration layer, if given), then initialized."""
        params = {"client_info": {"name": "switchboard-bench", "version": "1"}}
        if config is not None:
            params["config"] = config
        rid, _ = self.request("initialize", params)
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

    def signal_exit(self, signum: int, timeout: float) -> tuple[float | None, int | None]:
        """Sends signum and waits for the exit: (seconds from the signal to the exit, Popen return
        code: the exit status, or -N for death by signal N), or (None, None) when it was still
        running after timeout seconds (it is left running; kill() ends it)."""
        t0 = perf()
        self.proc.send_signal(signum)
        return self.wait_exit(timeout, t0)

    def wait_exit(self, timeout: float, since: float) -> tuple[float | None, int | None]:
        """Waits up to timeout seconds for the exit: (seconds from `since` to the exit, return
        code), or (None, None) when it still runs."""
        try:
            rc = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None, None
        untrack(self.proc)
        return perf() - since, rc

    def kill(self) -> None:
        self.reader.resume()  # a paused reader must drain to EOF and end
        if self.proc.poll() is None:
            self.proc.kill()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
        untrack(self.proc)


@contextlib.contextmanager
def started_daemon(binary: str, env: dict, args: list[str], name: str, timeout: float,
                   warnings: list[str], config: dict | None = None, finish_timeout: float = 10.0):
    """Yields a daemon that has answered initialize (see Daemon.initialize). When the block ends
    normally and the daemon still runs, its stdin is closed and it must exit 0 (Daemon.finish,
    which adds warnings); when the block raises, it is killed at once."""
    d = Daemon(binary, env, args, name)
    try:
        d.initialize(timeout, config)
        yield d
        if d.proc.poll() is None:
            d.finish(finish_timeout, warnings)
    finally:
        d.kill()


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


def chat_body(model: str) -> bytes:
    """The streamed chat request body a plain HTTP client sends (the daemon adds stream_options
    itself), so that the upstream answers every client with the same bytes."""
    return json.dumps({"model": model, "messages": MESSAGES, "stream": True,
                       "stream_options": {"include_usage": True}}, separators=(",", ":")).encode()


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


def children_cpu() -> float:
    """utime + stime of every child reaped so far (getrusage RUSAGE_CHILDREN), in seconds."""
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def proc_name_and_hwm(pid: int) -> tuple[str | None, int | None]:
    """(Name, VmHWM in KiB) from /proc/PID/status; (None, None) once the process is gone."""
    try:
        with open(f"/proc/{pid}/status", "rb") as f:
            data = f.read()
    except OSError:
        return None, None
    name = hwm = None
    for line in data.split(b"\n"):
        if line.startswith(b"Name:"):
            name = line.split(b":", 1)[1].strip().decode("utf-8", "replace")
        elif line.startswith(b"VmHWM:"):
            hwm = int(line.split()[1])
    return name, hwm


def run_child(argv: list[str], env: dict, timeout: float, on_line=None, watch_hwm: bool = True) -> dict:
    """Spawns argv, reads its stdout to EOF (on_line(line, t) per line, t taken right after the
    read), reaps it with wait4; it is killed after timeout seconds.

    Returns t0 (spawn), t_end (exit), rc, cpu (the child's utime + stime, from
    getrusage(RUSAGE_CHILDREN) before and after), own_cpu (the same from wait4's rusage for this
    child alone: right also while other children end), hwm_kib and the output. With watch_hwm,
    hwm_kib is the child's VmHWM, read from /proc every millisecond while it runs (the last
    reading before it exits), and only once the process carries the program's own name: wait4's
    ru_maxrss cannot be used, because it also counts the parent's memory from before the exec.
    Without it (None) the loop only waits for output, so nothing delays a line's timestamp."""
    program = os.path.basename(argv[0])[:15]
    cpu0 = children_cpu()
    t0 = perf()
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=env, close_fds=True)
    track(proc)
    killer = threading.Timer(timeout, proc.kill)
    killer.start()
    out = bytearray()
    err = bytearray()
    tail = b""
    hwm = None
    try:
        fds = {proc.stdout.fileno(): out, proc.stderr.fileno(): err}
        while fds:
            if watch_hwm:
                name, value = proc_name_and_hwm(proc.pid)
                if value is not None and name is not None and program.startswith(name):
                    hwm = value
            ready, _, _ = select.select(list(fds), [], [], 0.001 if watch_hwm else None)
            for fd in ready:
                data = os.read(fd, 1 << 16)
                t = perf()
                if not data:
                    del fds[fd]
                    continue
                fds[fd].extend(data)
                if fd == proc.stdout.fileno() and on_line is not None:
                    lines = (tail + data).split(b"\n")
                    tail = lines.pop()
                    for line in lines:
                        on_line(line, t)
        _, status, usage = os.wait4(proc.pid, 0)
        t_end = perf()
        proc.returncode = os.waitstatus_to_exitcode(status)
    finally:
        killer.cancel()
        untrack(proc)
        proc.stdout.close()
        proc.stderr.close()
    return {"t0": t0, "t_end": t_end, "rc": proc.returncode, "hwm_kib": hwm,
            "cpu": children_cpu() - cpu0, "own_cpu": usage.ru_utime + usage.ru_stime,
            "out": bytes(out), "err": bytes(err)}


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


def upstream_warnings(up: Upstream) -> list[str]:
    """What the fake upstream saw that a daemon should not do: requests without the API key or,
    when streamed, without stream_options.include_usage; connections dropped mid-answer."""
    warnings = []
    with up.lock:
        requests = list(up.requests)
        errors = list(up.handler_errors)
    bad_auth = [r for r in requests if r.get("auth") != "Bearer bench-key"]
    if bad_auth:
        warnings.append(f"{len(bad_auth)} upstream request(s) without 'Authorization: Bearer "
                        f"bench-key', first: {bad_auth[0].get('auth')!r}")
    no_usage = [r for r in requests if r.get("stream") and not r.get("include_usage")]
    if no_usage:
        warnings.append(f"{len(no_usage)} streaming upstream request(s) without "
                        f"stream_options.include_usage=true")
    if errors:
        warnings.append(f"fake upstream saw {len(errors)} dropped connection(s), first: {errors[0]}")
    return warnings


# --------------------------------------------------------------------------------------------
# Output


def fmt_ms(x) -> str:
    """Milliseconds with a precision that suits their size; "n/a" for None."""
    if x is None:
        return "n/a"
    return f"{x:.3f} ms" if x < 1 else f"{x:.2f} ms" if x < 100 else f"{x:.0f} ms"


def verdict(value, limit, lower_is_better=True, inclusive=False) -> str:
    """PASS/MISS of value against limit: value < limit (<= with inclusive) when lower is better,
    else value >= limit; "n/a" for None."""
    if value is None:
        return "n/a"
    if lower_is_better:
        ok = value <= limit if inclusive else value < limit
    else:
        ok = value >= limit
    return "PASS" if ok else "MISS"


def describe_exit(rc: int | None) -> str:
    """A Popen return code in words: "exit 143", "killed by SIGTERM" (no handler ran), "n/a"."""
    if rc is None:
        return "n/a"
    if rc < 0:
        try:
            return f"killed by {signal.Signals(-rc).name}"
        except ValueError:
            return f"killed by signal {-rc}"
    return f"exit {rc}"


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
