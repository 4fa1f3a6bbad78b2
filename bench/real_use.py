#!/usr/bin/env python3
"""Switchboard the way people use it: what the daemon costs while it waits, trickles, stalls and
starts a stream, rather than at full speed.

Four scenarios, each against the fake upstream of bench/fake_upstream.py (127.0.0.1, ephemeral
port), each selectable with --only:

  waiting   daemon CPU while one request waits --wait-ms (5 s) for its response headers
            (bench-think-MS-N), beside the CPU of the idle daemon over as long
  trickle   --streams (16) concurrent streams at 1000 / --trickle-ms deltas per second (50) for
            --trickle-deltas (1000) deltas, each on a fresh TCP connection (bench-trickle-N-MS
            answers with Connection: close): daemon CPU per stream-minute; then the same streams
            through as many `curl -N` processes at once, their CPU per stream-minute beside it
  stalled   a client that reads nothing for --stall-s (10 s) while the upstream floods
            (bench-endless): peak RSS, whether the upstream is held back, then SIGTERM: time to
            exit and exit code
  ttfd      time to first delta, the running daemon against `curl -N` on the same request
            (--samples each, fresh connection each), and the first request of a brand-new
            daemon (preconnect on and off) against a later one

This is a measurement, not a test: a MISS still exits 0. Exit codes: 0 figures produced, 1 a
scenario could not be measured (its row says ERROR and why), 2 bad command line or no binary.
Standard library only (Python 3.11+); Linux for the /proc figures. See bench/README.md ("The way
people use it").
"""

from __future__ import annotations

import argparse
import fcntl
import json
import shutil
import signal
import re
import sys
import threading
import time

from fake_upstream import Upstream
from harness import (DEFAULT_BINARY, BenchError, CpuMark, RssSampler, chat_body, check_completion,
                     check_deltas, describe_exit, fmt_ms, format_table, load_average, log,
                     machine_line, mib, on_signal, perf, percentile, proc_status_value,
                     proc_thread_waits, resolve_binary, run_child, started_daemon,
                     timed_spawn_exit, upstream_session, upstream_warnings, verdict)

# Targets (see README), all "at most".
TARGET_WAIT_CPU_MS = 10.0        # daemon CPU while a request waits 5 s for its headers
TARGET_TRICKLE_CPU_MS = 60.0     # daemon CPU per stream-minute, streams at 50 deltas/s
TARGET_STALL_RSS_MIB = 100.0     # peak RSS while the client reads nothing and the upstream floods
TARGET_TTFD_DIFF_MS = 1.0        # daemon TTFD median minus curl's

SCENARIOS = ("waiting", "trickle", "stalled", "ttfd")
SETTLE_S = 0.3                   # after initialize: the preconnect finishes, start-up work settles
WAIT_READ_BEFORE_S = 0.1         # the wait's CPU is read this long before the headers are due
WAIT_STEADY_FROM_S = 0.5         # "steady" part of the wait: from here (request sent, connected)
ENDLESS_MODEL = "bench-endless"
WARMUP_MODEL = "bench-steady-2-0"   # a tiny stream on a kept-alive connection
STALL_STEP_S = 0.1               # how often the stalled scenario looks at RSS and the upstream
STALL_ABORT_MIB = 2048           # give up stalling (and say so) once the daemon holds this much
RESUME_WAIT_S = 15.0             # no exit after SIGTERM: how long to wait once the client reads again
TTFD_DELTAS, TTFD_MS = 5, 1      # the ttfd stream: delta 0 at once, then 4 more 1 ms apart
CURL_START_RUNS = 10


def sleep_until(t: float) -> None:
    """Sleeps until perf_counter() reaches t (returns at once when it already has)."""
    pause = t - perf()
    if pause > 0:
        time.sleep(pause)


def spread(seconds: list[float]) -> dict:
    """Median and p90 of durations, in ms (None for an empty list)."""
    if not seconds:
        return {"n": 0, "p50_ms": None, "p90_ms": None}
    ms = [x * 1000 for x in seconds]
    return {"n": len(ms), "p50_ms": round(percentile(ms, 50), 3), "p90_ms": round(percentile(ms, 90), 3),
            "min_ms": round(min(ms), 3), "max_ms": round(max(ms), 3)}


def fmt_waits(waits: dict[str, int] | None) -> str:
    """{"anon_pipe_write": 1, "futex_do_wait": 3} -> "anon_pipe_write 1, futex_do_wait 3"."""
    return ", ".join(f"{k} {v}" for k, v in sorted((waits or {}).items())) or "n/a"


def busiest(sched: dict | None, count: int = 3) -> str:
    """The threads that woke up most, as "name (tid) N wake-ups / X ms"."""
    if not sched:
        return "n/a"
    top = [t for t in sched["per_thread"] if t["wakeups"] > 0][:count]
    return ", ".join(f"{t['name']} {t['wakeups']} / {t['cpu_ms']:.1f} ms" for t in top) or "none woke up"


def wait_all(d, ids: list[int], deadline: float) -> dict:
    """Every response (msg, t) to ids, waiting until deadline at most; BenchError otherwise."""
    return {rid: d.reader.wait_response(rid, max(0.01, deadline - perf())) for rid in ids}


def start_stream(d, model: str) -> tuple[int, float]:
    """Forgets the deltas read so far and writes a streamed chat.complete: (request id, t0)."""
    d.reader.delta_lines = []
    d.reader.first_delta_t = None
    return d.stream(model)


def stream_problem(d, rid: int, result, n: int) -> str | None:
    """None when the deltas read since start_stream and the final result are the n deltas, each
    once and in order; else what is wrong."""
    stats = check_deltas(d.reader.delta_lines, {rid: n})
    if not stats["ok"]:
        return stats["first_problem"] or f"missing deltas {stats['missing']}"
    return check_completion(result, n)


def stream_once(d, model: str, n: int, timeout: float) -> tuple[float, int]:
    """One streamed chat.complete of n deltas on a running daemon, checked in full: returns
    (seconds from writing the request to reading the first chat.delta, request id)."""
    rid, t0 = start_stream(d, model)
    result, _ = d.result(rid, timeout)
    problem = stream_problem(d, rid, result, n)
    if problem or d.reader.first_delta_t is None:
        raise BenchError(f"{model}: {problem or 'no chat.delta'}")
    return d.reader.first_delta_t - t0, rid


# --------------------------------------------------------------------------------------------
# (a) waiting


def scenario_waiting(a, env, up: Upstream, warnings) -> dict:
    """Daemon CPU while one request waits a.wait_ms for its first byte, and over the whole
    request; the idle daemon over the same length of time first, for comparison."""
    wait_s = a.wait_ms / 1000.0
    window = wait_s - WAIT_READ_BEFORE_S
    model = f"bench-think-{a.wait_ms}-{a.wait_deltas}"
    log(f"[waiting] idle for {window:.1f} s, then {model}: {a.wait_ms} ms before the first byte")
    with started_daemon(a.binary, env, a.daemon_arg, "waiting", a.timeout, warnings) as d:
        time.sleep(SETTLE_S)
        # The daemon's first request pays one-off set-up (the HTTP engine, code paged in): measured
        # on its own, so that the wait below is about waiting.
        f0 = CpuMark(d.pid)
        stream_once(d, WARMUP_MODEL, 2, a.timeout)
        first_request = CpuMark(d.pid).since(f0)
        time.sleep(SETTLE_S)
        i0 = CpuMark(d.pid)
        time.sleep(window)
        idle = CpuMark(d.pid).since(i0)

        m0 = CpuMark(d.pid)
        rid, t0 = start_stream(d, model)
        sleep_until(t0 + WAIT_STEADY_FROM_S)
        m1 = CpuMark(d.pid)
        sleep_until(t0 + window)
        m2 = CpuMark(d.pid)
        result, t_end = d.result(rid, wait_s + a.timeout)
        m3 = CpuMark(d.pid)
        first = d.reader.first_delta_t
        problem = stream_problem(d, rid, result, a.wait_deltas)
        if problem:
            warnings.append(f"waiting: {problem}")
        reqs = up.requests_for(model)
        if len(reqs) != 1:
            warnings.append(f"waiting: the upstream saw {len(reqs)} requests (expected 1)")
        if first is not None and first - t0 < wait_s * 0.98:
            warnings.append(f"waiting: first chat.delta {1000 * (first - t0):.0f} ms after the request, "
                            f"before the upstream sent anything ({a.wait_ms} ms)")
        return {
            "wait_ms": a.wait_ms, "window_s": round(window, 3), "deltas": a.wait_deltas,
            "first_request": first_request,
            "idle": idle,
            "wait": m2.since(m0),
            "steady": m2.since(m1),
            "whole": m3.since(m0),
            "upstream_received_ms": round((reqs[0]["t"] - t0) * 1000, 2) if reqs else None,
            "first_delta_ms": round((first - t0) * 1000, 1) if first else None,
            "response_ms": round((t_end - t0) * 1000, 1),
            "complete": problem is None,
        }


# --------------------------------------------------------------------------------------------
# (b) trickle


def scenario_trickle(a, env, up: Upstream, warnings) -> dict:
    """a.streams concurrent paced streams, each on a fresh connection: daemon CPU per
    stream-minute, every delta checked."""
    n, gap_ms, c = a.trickle_deltas, a.trickle_ms, a.streams
    model = f"bench-trickle-{n}-{gap_ms}"
    pacing_s = n * gap_ms / 1000.0
    log(f"[trickle] {c} streams x {n} deltas {gap_ms} ms apart ({pacing_s:.0f} s), Connection: close")
    with started_daemon(a.binary, env, a.daemon_arg, "trickle", a.timeout, warnings) as d:
        time.sleep(SETTLE_S)
        # Warm-up: pages the code in and uses up the preconnected connection, so that every
        # measured stream has to open one.
        stream_once(d, "bench-trickle-2-0", 2, a.timeout)
        with up.lock:
            earlier_ports = {r["port"] for r in up.requests} | {h["port"] for h in up.heads}
        # Long enough for streams run one after another (a daemon that queues them), and bounded.
        limit_s = c * pacing_s * 1.2 + a.timeout
        sampler = RssSampler(d.pid, 0.1, limit_s).start()
        d.reader.delta_lines = []
        m0 = CpuMark(d.pid)
        t0 = perf()
        ids = [d.stream(model)[0] for _ in range(c)]
        try:
            answers = wait_all(d, ids, t0 + limit_s)
        finally:
            sampler.stop()
        m1 = CpuMark(d.pid)
        t_last = max(t for _, t in answers.values())
        lines, d.reader.delta_lines = d.reader.delta_lines, []
        stats = check_deltas(lines, {rid: n for rid in ids})
        errors = [m["error"] for m, _ in answers.values() if "error" in m]
        bad = [p for p in (check_completion(m["result"], n) for m, _ in answers.values() if "result" in m) if p]
        if errors:
            warnings.append(f"trickle: {len(errors)}/{c} streams failed, first: {json.dumps(errors[0])[:300]}")
        if bad:
            warnings.append(f"trickle: {len(bad)} incomplete final response(s), first: {bad[0]}")
        if not stats["ok"]:
            warnings.append(f"trickle: delivery check failed: {len(stats['missing'])} stream(s) missing deltas, "
                            f"{stats['out_of_order']} out of order; {stats['first_problem']}")
        reqs = up.requests_for(model)
        ports = {r["port"] for r in reqs}
        if len(reqs) != c or len(ports) != c or ports & earlier_ports:
            warnings.append(f"trickle: {len(reqs)} upstream requests on {len(ports)} connections, "
                            f"{len(ports & earlier_ports)} of them opened before (expected {c} fresh ones)")
        starts = sorted(r["t"] - t0 for r in reqs)
        if starts and starts[-1] - starts[0] > max(0.25, pacing_s * 0.05):
            held = sum(1 for x in starts if x - starts[0] > 0.25)
            warnings.append(f"trickle: the daemon held back {held} of {c} requests: they reached the upstream "
                            f"up to {starts[-1] - starts[0]:.2f} s after the first (streams queued, not concurrent)")
        span = m1.since(m0)
    curl = shutil.which("curl")
    curl_figures = curl_trickle(curl, a, env, up, model, warnings) if curl else None
    stream_minutes = c * pacing_s / 60.0
    sched = span["sched"]
    return {
        "streams": c, "deltas": n, "gap_ms": gap_ms, "pacing_s": pacing_s,
        "cpu": span,
        "cpu_ms_per_stream_minute": None if span["cpu_ms"] is None else round(span["cpu_ms"] / stream_minutes, 2),
        "sched_ms_per_stream_minute": round(sched["cpu_ms"] / stream_minutes, 2) if sched else None,
        "wakeups_per_delta": round(sched["wakeups"] / (c * n), 3) if sched else None,
        "last_response_s": round(t_last - t0, 3),
        "upstream_first_request_ms": round(starts[0] * 1000, 1) if starts else None,
        "upstream_last_request_ms": round(starts[-1] * 1000, 1) if starts else None,
        "connections": len(ports),
        "peak_rss_mib": mib(sampler.peak_kib),
        "complete": c - len(errors) - len(bad),
        "delivery_ok": stats["ok"] and not errors and not bad,
        "curl": curl_figures,
    }


def curl_chat_argv(curl: str, url: str, model: str) -> list[str]:
    """curl -sN posting a streamed chat request for model, the SSE written to its stdout."""
    return [curl, "-sN", "-X", "POST", f"{url}/chat/completions", "-H", "Content-Type: application/json",
            "-H", "Authorization: Bearer bench-key", "-d", chat_body(model).decode()]


def curl_trickle(curl: str, a, env, up: Upstream, model: str, warnings) -> dict:
    """The trickle streams through a.streams `curl -N` processes started at once (each its own
    fresh connection), their stdout read as the daemon's is: their CPU (utime + stime from wait4,
    process start included) per stream-minute. Every stream is checked in full."""
    n, c = a.trickle_deltas, a.streams
    pacing_s = n * a.trickle_ms / 1000.0
    argv = curl_chat_argv(curl, up.base_url, model)
    outcomes: list = [None] * c

    def run(i: int) -> None:
        try:
            outcomes[i] = run_child(argv, env, pacing_s + a.timeout, watch_hwm=False)
        except Exception as exc:  # reported below, as the stream's problem
            outcomes[i] = exc

    log(f"[trickle] the same {c} streams through {c} curl -N processes")
    reqs0 = len(up.requests_for(model))
    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(c)]
    t0 = perf()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    expected = "".join(f"{i}," for i in range(n))
    problems = []
    for r in outcomes:
        if isinstance(r, Exception) or r is None:
            problems.append(f"curl: {r}")
        elif r["rc"] != 0 or b"data: [DONE]" not in r["out"]:
            problems.append(f"curl: exit {r['rc']}, stderr {r['err'][:200]!r}")
        elif "".join(x.decode() for x in re.findall(rb'"content":"([^"]*)"', r["out"])) != expected:
            problems.append("curl: deltas missing, repeated or out of order")
    if problems:
        warnings.append(f"trickle: {len(problems)}/{c} curl streams failed, first: {problems[0]}")
    runs = [r for r in outcomes if isinstance(r, dict)]
    cpu_ms = 1000 * sum(r["own_cpu"] for r in runs)
    ports = {r["port"] for r in up.requests_for(model)[reqs0:]}
    return {
        "processes": c,
        "cpu_ms": round(cpu_ms, 1),
        "cpu_ms_per_stream_minute": round(cpu_ms / (c * pacing_s / 60.0), 2) if runs else None,
        "last_exit_s": round(max(r["t_end"] for r in runs) - t0, 3) if runs else None,
        "connections": len(ports),
        "complete": c - len(problems),
    }


# --------------------------------------------------------------------------------------------
# (c) stalled


def scenario_stalled(a, env, up: Upstream, warnings) -> dict:
    """A client that stops reading while the upstream floods: RSS every 50 ms, the upstream's
    bytes written over time, then SIGTERM with stdout still unread."""
    log(f"[stalled] the client reads nothing for {a.stall_s:g} s of {ENDLESS_MODEL}, then SIGTERM")
    with started_daemon(a.binary, env, a.daemon_arg, "stalled", a.timeout, warnings) as d:
        time.sleep(SETTLE_S)
        idle_kib = proc_status_value(d.pid, "VmRSS")
        try:
            pipe_size = fcntl.fcntl(d.proc.stdout.fileno(), fcntl.F_GETPIPE_SZ)
        except (AttributeError, OSError):
            pipe_size = None
        sampler = RssSampler(d.pid, 0.05, a.stall_s + a.term_wait + 30).start()
        d.reader.pause()
        rid, t0 = d.stream(ENDLESS_MODEL)
        timeline = []            # (seconds after the request, upstream bytes written, VmRSS KiB)
        aborted_at = None
        next_mark = 0.5
        while perf() - t0 < a.stall_s:
            sleep_until(min(t0 + a.stall_s, perf() + STALL_STEP_S))
            now = perf() - t0
            if d.proc.poll() is not None:
                sampler.stop()
                raise BenchError(f"the daemon exited {now:.1f} s into the stall ({describe_exit(d.proc.returncode)}); "
                                 f"stderr: {d.stderr_tail()}")
            if now >= next_mark - 1e-6 or now >= a.stall_s:
                timeline.append((round(now, 2), up.endless_sent(ENDLESS_MODEL), proc_status_value(d.pid, "VmRSS")))
                next_mark += 0.5
            if sampler.peak_kib > STALL_ABORT_MIB * 1024:
                aborted_at = round(now, 2)
                warnings.append(f"stalled: RSS passed {STALL_ABORT_MIB} MiB after {now:.1f} s; stall cut short")
                break
        hwm = proc_status_value(d.pid, "VmHWM")
        stall_peak_kib = max(sampler.peak_kib, idle_kib or 0)
        read_while_stalled = d.reader.delta_count
        t_sig = perf()
        exit_s, rc = d.signal_exit(signal.SIGTERM, a.term_wait)
        hung_in = after_resume_s = None
        if exit_s is None:
            # Still running with stdout unread: where are its threads, and does reading free it?
            hung_in = proc_thread_waits(d.pid)
            t_resume = perf()
            d.reader.on_delta = lambda line, t: None
            d.reader.resume()
            after_resume_s, rc = d.wait_exit(RESUME_WAIT_S, t_resume)
            warnings.append(f"stalled: the daemon did not exit within {a.term_wait:g} s of SIGTERM while its "
                            f"stdout was unread (threads waiting in: {fmt_waits(hung_in)}); "
                            + ("it exited " + fmt_ms(after_resume_s * 1000) + " after the client read again"
                               if after_resume_s is not None else
                               f"still running {RESUME_WAIT_S:g} s after the client read again; killed"))
        elif rc != 128 + signal.SIGTERM:
            warnings.append(f"stalled: after SIGTERM the daemon ended with {describe_exit(rc)} (expected exit 143)")
        sampler.stop()
        d.reader.on_delta = lambda line, t: None   # what was queued is counted, not kept
        d.reader.resume()
        if d.proc.poll() is None:
            d.kill()
        d.reader.thread.join(timeout=5)
        answer = d.reader.responses.get(rid, (None, None))[0]
        with up.lock:
            state = dict(up.endless.get(ENDLESS_MODEL, {}))
        half = min(timeline, key=lambda m: abs(m[0] - a.stall_s / 2)) if timeline else None
        last = timeline[-1] if timeline else None
        return {
            "stall_s": a.stall_s, "term_wait_s": a.term_wait, "aborted_at_s": aborted_at,
            "idle_rss_mib": mib(idle_kib),
            "peak_rss_mib": mib(stall_peak_kib), "hwm_mib": mib(hwm),
            "peak_rss_through_exit_mib": mib(max(sampler.peak_kib, stall_peak_kib)),
            "rss_samples": sampler.count,
            "pipe_bytes": pipe_size,
            "sent_half": half and {"at_s": half[0], "bytes": half[1]},
            "sent_end": last and {"at_s": last[0], "bytes": last[1]},
            "growth_second_half_bytes": (last[1] - half[1]) if half and last else None,
            "timeline": [{"t_s": t, "upstream_bytes": b, "rss_mib": mib(r)} for t, b, r in timeline],
            "deltas_read_before_pause_took_hold": read_while_stalled,
            "sigterm_exit_ms": None if exit_s is None else round(exit_s * 1000, 1),
            "threads_waiting_in_at_term_wait": hung_in,
            "exit_after_client_read_again_ms": None if after_resume_s is None else round(after_resume_s * 1000, 1),
            "exit": describe_exit(rc), "exit_code": rc,
            "upstream_closed_after_sigterm_ms": round((state["end"] - t_sig) * 1000, 1) if state.get("end") else None,
            "upstream_end": state.get("why"),
            "final_answer": None if answer is None else (
                {"error": answer["error"].get("code"), "reason": (answer["error"].get("data") or {}).get("reason")}
                if "error" in answer else "result"),
        }


# --------------------------------------------------------------------------------------------
# (d) ttfd


def curl_ttfd(curl: str, url: str, model: str, env: dict, timeout: float) -> float:
    """Spawns curl -sN on the chat request: seconds from just before the spawn to the first
    `data:` line with content on its stdout. The whole stream is checked."""
    first: list[float] = []

    def on_line(line: bytes, t: float) -> None:
        if not first and line.startswith(b"data: {") and b'"content"' in line:
            first.append(t)

    r = run_child(curl_chat_argv(curl, url, model), env, timeout, on_line, watch_hwm=False)
    contents = r["out"].count(b'"content":"')
    if r["rc"] != 0 or not first or contents != TTFD_DELTAS or b"data: [DONE]" not in r["out"]:
        raise BenchError(f"curl: exit {r['rc']}, {contents} deltas, stderr {r['err'][:200]!r}")
    return first[0] - r["t0"]


def fresh_daemon_ttfd(a, env, up: Upstream, model: str, preconnect: bool, warnings) -> dict:
    """a.samples brand-new daemons: each is initialized (preconnect on or off), left alone for
    a.first_delay_ms, then asked twice. TTFD of the first and of the second request, and how
    often the first went over the connection the preconnect opened."""
    firsts, seconds, reused, preconnects = [], [], 0, 0
    config = None if preconnect else {"preconnect": False}
    for i in range(a.samples):
        with up.lock:
            heads0, reqs0 = len(up.heads), len(up.requests)
        try:
            with started_daemon(a.binary, env, a.daemon_arg, f"ttfd-fresh-{i}", a.timeout, warnings, config) as d:
                time.sleep(a.first_delay_ms / 1000.0)
                firsts.append(stream_once(d, model, TTFD_DELTAS, a.timeout)[0])
                seconds.append(stream_once(d, model, TTFD_DELTAS, a.timeout)[0])
        except BenchError as exc:
            if config and i == 0 and "preconnect" in str(exc):
                return {"unsupported": "the daemon has no preconnect setting"}
            raise
        with up.lock:
            head_ports = {h["port"] for h in up.heads[heads0:]}
            first_port = up.requests[reqs0]["port"] if len(up.requests) > reqs0 else None
        preconnects += bool(head_ports)
        reused += first_port in head_ports
    return {"first": spread(firsts), "second": spread(seconds), "preconnects_seen": preconnects,
            "first_on_preconnected": reused, "daemons": a.samples}


def scenario_ttfd(a, env, up: Upstream, warnings) -> dict:
    """Time to first delta: a running daemon against curl -N (alternating, a.samples each, a fresh
    connection each), then brand-new daemons with and without preconnect."""
    model = f"bench-trickle-{TTFD_DELTAS}-{TTFD_MS}"
    curl = shutil.which("curl")
    log(f"[ttfd] {a.samples} samples each: running daemon vs {curl or 'curl (not found)'}; "
        f"then 2 x {a.samples} fresh daemons")
    daemon, curls = [], []
    with started_daemon(a.binary, env, a.daemon_arg, "ttfd", a.timeout, warnings) as d:
        time.sleep(SETTLE_S)
        stream_once(d, model, TTFD_DELTAS, a.timeout)                    # warm-up, not counted
        if curl:
            curl_ttfd(curl, up.base_url, model, env, a.timeout)          # warm-up, not counted
        for _ in range(a.samples):
            daemon.append(stream_once(d, model, TTFD_DELTAS, a.timeout)[0])
            if curl:
                curls.append(curl_ttfd(curl, up.base_url, model, env, a.timeout))
    curl_start = None
    if curl:
        curl_start = spread([timed_spawn_exit([curl, "--version"], env, a.timeout)[0]
                             for _ in range(CURL_START_RUNS)])
    with up.lock:
        ports = [r["port"] for r in up.requests if r.get("model") == model]
    if len(set(ports)) != len(ports):
        warnings.append(f"ttfd: {len(ports) - len(set(ports))} of {len(ports)} requests reused a connection")
    dm, cm = spread(daemon), spread(curls)
    return {
        "model": model, "samples": a.samples,
        "daemon": dm,
        "curl": cm if curl else None,
        "curl_process_start": curl_start,
        "diff_p50_ms": round(dm["p50_ms"] - cm["p50_ms"], 3) if curl else None,
        "diff_p90_ms": round(dm["p90_ms"] - cm["p90_ms"], 3) if curl else None,
        "first_delay_ms": a.first_delay_ms,
        "fresh_preconnect": fresh_daemon_ttfd(a, env, up, model, True, warnings),
        "fresh_no_preconnect": fresh_daemon_ttfd(a, env, up, model, False, warnings),
    }


# --------------------------------------------------------------------------------------------
# Report


def cpu_text(span: dict) -> str:
    """ "X ms (schedstat Y ms, N wake-ups)" for a CpuMark.since() result."""
    s = span["sched"]
    precise = f" (schedstat {s['cpu_ms']:.2f} ms, {s['wakeups']:,} wake-ups)" if s else ""
    return ("n/a" if span["cpu_ms"] is None else f"{span['cpu_ms']:.0f} ms") + precise


def spread_text(s: dict | None) -> str:
    return "n/a" if not s or s["p50_ms"] is None else f"median {fmt_ms(s['p50_ms'])}, p90 {fmt_ms(s['p90_ms'])}"


def rows_waiting(r: dict) -> list[list[str]]:
    wait = r["wait"]
    steady = r["steady"]["sched"]
    per_s = f", {steady['wakeups'] / max(1e-9, r['steady']['elapsed_s']):.1f}/s" if steady else ""
    return [
        [f"waiting: CPU during a {r['wait_ms'] / 1000:g} s wait for headers (request -> {r['window_s']:g} s)",
         cpu_text(wait), f"<= {TARGET_WAIT_CPU_MS:g} ms", verdict(wait["cpu_ms"], TARGET_WAIT_CPU_MS, inclusive=True)],
        [f"  steady part ({WAIT_STEADY_FROM_S:g} s -> {r['window_s']:g} s): wake-ups, busiest threads",
         f"{steady['wakeups'] if steady else 'n/a'}{per_s}: {busiest(steady)}", "", ""],
        ["  idle daemon, no request, as long", cpu_text(r["idle"]), "", ""],
        ["  before: the daemon's first request (2 deltas, not counted above)", cpu_text(r["first_request"]), "", ""],
        [f"  whole request ({r['deltas']} deltas, answer after {r['response_ms']:.0f} ms)", cpu_text(r["whole"]),
         "", ""],
        ["  upstream got the request / first chat.delta after",
         f"{fmt_ms(r['upstream_received_ms'])} / {fmt_ms(r['first_delta_ms'])}"
         + ("" if r["complete"] else ", answer INCOMPLETE"), "", ""],
    ]


def rows_trickle(r: dict) -> list[list[str]]:
    v = r["cpu_ms_per_stream_minute"]
    return [
        [f"trickle: CPU per stream-minute, {r['streams']} streams x {r['deltas']} deltas {r['gap_ms']} ms apart",
         f"{fmt_ms(v)} (schedstat {fmt_ms(r['sched_ms_per_stream_minute'])})",
         f"<= {TARGET_TRICKLE_CPU_MS:g} ms", verdict(v, TARGET_TRICKLE_CPU_MS, inclusive=True)],
        ["  daemon CPU over the run / wake-ups per delta",
         f"{cpu_text(r['cpu'])} / {r['wakeups_per_delta']}", "", ""],
        ["  last response (pacing) / upstream got request 1 / last",
         f"{r['last_response_s']:.2f} s ({r['pacing_s']:g} s) / {fmt_ms(r['upstream_first_request_ms'])} / "
         f"{fmt_ms(r['upstream_last_request_ms'])}", "", ""],
        ["  connections / peak RSS", f"{r['connections']} / {r['peak_rss_mib']} MiB", "", ""],
        ["  every stream complete, every delta once and in order",
         ("OK" if r["delivery_ok"] else "FAILED") + f" ({r['complete']}/{r['streams']})", "", ""],
    ] + rows_trickle_curl(r)


def rows_trickle_curl(r: dict) -> list[list[str]]:
    """The curl -N rows of the trickle scenario, the daemon judged against curl's figure."""
    cr = r["curl"]
    if cr is None:
        return [["trickle: the same streams through curl -N", "n/a (curl not found)", "", ""]]
    v, mine = cr["cpu_ms_per_stream_minute"], r["cpu_ms_per_stream_minute"]
    ratio = f", daemon {mine / v:.2f}x curl's" if v and mine is not None else ""
    return [
        [f"trickle: curl -N, CPU per stream-minute, the same streams ({cr['processes']} processes, same run)",
         f"{fmt_ms(v)} (process start included){ratio}", "daemon <= curl",
         "n/a" if v is None else verdict(mine, v, inclusive=True)],
        ["  curl: CPU over the run / last exit / every stream complete",
         f"{cr['cpu_ms']:.0f} ms / {fmt_ms(None if cr['last_exit_s'] is None else cr['last_exit_s'] * 1000)} / "
         + ("OK" if cr["complete"] == cr["processes"] else "FAILED") + f" ({cr['complete']}/{cr['processes']}, "
         f"{cr['connections']} connections)", "", ""],
    ]


def rows_stalled(r: dict) -> list[list[str]]:
    peak = max(x for x in (r["peak_rss_mib"], r["hwm_mib"]) if x is not None) if r["peak_rss_mib"] else None
    half, end = r["sent_half"], r["sent_end"]
    growth = r["growth_second_half_bytes"]
    held = "n/a" if growth is None else ("stopped growing" if growth < 1 << 20 else "STILL GROWING")
    sent = "n/a" if not half else (f"{half['bytes'] / 2**20:,.1f} MiB at {half['at_s']:g} s, "
                                  f"{end['bytes'] / 2**20:,.1f} MiB at {end['at_s']:g} s: {held}")
    if r["sigterm_exit_ms"] is not None:
        exit_text = f"{fmt_ms(r['sigterm_exit_ms'])}, {r['exit']}"
    else:
        exit_text = (f"none within {r['term_wait_s']:g} s; "
                     + (f"{r['exit']} {fmt_ms(r['exit_after_client_read_again_ms'])} after the client read again"
                        if r["exit_after_client_read_again_ms"] is not None else "killed"))
    return [
        [f"stalled: peak RSS, client reads nothing for {r['stall_s']:g} s, upstream floods",
         f"{peak} MiB (sampled {r['peak_rss_mib']}, VmHWM {r['hwm_mib']}; idle {r['idle_rss_mib']})",
         f"<= {TARGET_STALL_RSS_MIB:g} MiB", verdict(peak, TARGET_STALL_RSS_MIB, inclusive=True)],
        ["  upstream bytes written (backpressure)", sent, "", ""],
        ["  peak RSS from SIGTERM to the exit, if higher",
         f"{r['peak_rss_through_exit_mib']} MiB" if r["peak_rss_through_exit_mib"] > r["peak_rss_mib"] else "not higher",
         "", ""],
        ["  SIGTERM -> exit (expected exit 143)", exit_text, "", ""],
        ["  upstream connection closed after SIGTERM / final answer",
         f"{fmt_ms(r['upstream_closed_after_sigterm_ms'])} ({r['upstream_end']}) / {json.dumps(r['final_answer'])}",
         "", ""],
    ]


def rows_ttfd(r: dict) -> list[list[str]]:
    diff = r["diff_p50_ms"]
    rows = [
        [f"ttfd: running daemon minus curl -N, median of {r['samples']}",
         "n/a (curl not found)" if diff is None else f"{diff:+.3f} ms (p90 {r['diff_p90_ms']:+.3f} ms)",
         f"<= {TARGET_TTFD_DIFF_MS:g} ms", verdict(diff, TARGET_TTFD_DIFF_MS, inclusive=True)],
        ["  daemon: request written -> first chat.delta read", spread_text(r["daemon"]), "", ""],
        ["  curl: spawn -> first data: line (its process start)",
         "n/a" if r["curl"] is None else
         f"{spread_text(r['curl'])} ({fmt_ms(r['curl_process_start']['p50_ms'])})", "", ""],
    ]
    fp, fn = r["fresh_preconnect"], r["fresh_no_preconnect"]
    rows += [
        [f"  new daemon, 1st request {r['first_delay_ms']} ms after initialize",
         f"{spread_text(fp['first'])}; preconnect seen {fp['preconnects_seen']}/{fp['daemons']}, "
         f"used by the 1st request {fp['first_on_preconnected']}/{fp['daemons']}", "", ""],
        ["  new daemon, 2nd request", spread_text(fp["second"]), "", ""],
        ["  new daemon, preconnect off: 1st / 2nd request",
         f"n/a: {fn['unsupported']}" if "unsupported" in fn else
         f"{spread_text(fn['first'])} / {spread_text(fn['second'])}", "", ""],
    ]
    return rows


ROWS = {"waiting": rows_waiting, "trickle": rows_trickle, "stalled": rows_stalled, "ttfd": rows_ttfd}


def build_targets(res: dict) -> list[dict]:
    """One entry per judged figure: name, value, unit, target, verdict (for --json)."""
    picks = {
        "waiting": ("CPU while waiting for headers", lambda r: r["wait"]["cpu_ms"], "ms", TARGET_WAIT_CPU_MS),
        "trickle": ("CPU per stream-minute", lambda r: r["cpu_ms_per_stream_minute"], "ms", TARGET_TRICKLE_CPU_MS),
        "stalled": ("peak RSS, stalled client",
                    lambda r: max(x for x in (r["peak_rss_mib"], r["hwm_mib"], 0) if x is not None), "MiB",
                    TARGET_STALL_RSS_MIB),
        "ttfd": ("TTFD daemon minus curl, median", lambda r: r["diff_p50_ms"], "ms", TARGET_TTFD_DIFF_MS),
    }
    out = []
    for key, (name, get, unit, limit) in picks.items():
        r = res.get(key)
        if isinstance(r, dict) and "error" not in r:
            v = get(r)
            out.append({"name": name, "value": v, "unit": unit, "target": f"<= {limit:g} {unit}",
                        "verdict": verdict(v, limit, inclusive=True)})
    r = res.get("trickle")
    if isinstance(r, dict) and r.get("curl") and r["curl"]["cpu_ms_per_stream_minute"] is not None:
        curl = r["curl"]["cpu_ms_per_stream_minute"]
        out.append({"name": "CPU per stream-minute, daemon against curl -N on the same streams",
                    "value": r["cpu_ms_per_stream_minute"], "unit": "ms", "target": f"<= curl -N ({curl:g} ms)",
                    "verdict": verdict(r["cpu_ms_per_stream_minute"], curl, inclusive=True)})
    return out


def print_report(res: dict) -> None:
    meta = res["meta"]
    print(f"Switchboard, the way people use it  {meta['date']}  binary {meta['binary']}")
    print(meta["machine_line"])
    rows = []
    for key in SCENARIOS:
        r = res.get(key)
        if r is None:
            continue
        if "error" in r:
            rows.append([key, "ERROR: " + r["error"][:110], "", "ERROR"])
        else:
            rows.extend(ROWS[key](r))
    print()
    print(format_table(["figure", "measured", "target", "verdict"], rows))
    print()
    loads = ", ".join(f"{k} {v}" for k, v in meta["loadavg_before"].items())
    print(f"load average before each scenario: {loads}; at the end: {meta['loadavg_at_end']}")
    if res["warnings"]:
        print()
        print("warnings (daemon behaviour worth a look):")
        for w in res["warnings"]:
            print(f"  - {w}")


# --------------------------------------------------------------------------------------------


def main(argv=None) -> int:
    p = argparse.ArgumentParser(
        description="Measure the switchboard daemon the way people use it (waiting, trickling, "
                    "stalled client, time to first delta) against a local fake upstream.",
        epilog="Exit code 0 whenever figures were produced (PASS or MISS); 1 if a scenario could not "
               "be measured; 2 for a bad command line or missing binary.")
    p.add_argument("--binary", default=str(DEFAULT_BINARY), help="daemon binary (default: .build/release/switchboard)")
    p.add_argument("--only", default=",".join(SCENARIOS), help=f"comma-separated: {','.join(SCENARIOS)}")
    p.add_argument("--wait-ms", type=int, default=5000, help="waiting: upstream silence before the headers (default 5000)")
    p.add_argument("--wait-deltas", type=int, default=20, help="waiting: deltas after the wait (default 20)")
    p.add_argument("--streams", type=int, default=16, help="trickle: concurrent streams (default 16)")
    p.add_argument("--trickle-deltas", type=int, default=1000, help="trickle: deltas per stream (default 1000)")
    p.add_argument("--trickle-ms", type=int, default=20, help="trickle: ms between deltas (default 20: 50/s)")
    p.add_argument("--stall-s", type=float, default=10.0, help="stalled: seconds the client reads nothing (default 10)")
    p.add_argument("--term-wait", type=float, default=10.0,
                   help="stalled: longest wait for the exit after SIGTERM, s (default 10)")
    p.add_argument("--samples", type=int, default=30,
                   help="ttfd: samples per client, and fresh daemons per preconnect setting (default 30)")
    p.add_argument("--first-delay-ms", type=int, default=100,
                   help="ttfd: pause between a fresh daemon's initialize response and its first request (default 100)")
    p.add_argument("--timeout", type=float, default=60.0,
                   help="longest wait for any one answer beyond its expected duration, s (default 60)")
    p.add_argument("--daemon-arg", action="append", default=[], help="extra daemon argument (repeatable)")
    p.add_argument("--json", action="store_true", help="print the results as JSON instead of the table")
    a = p.parse_args(argv)

    scenarios = [s.strip() for s in a.only.split(",") if s.strip()]
    unknown = set(scenarios) - set(SCENARIOS)
    if unknown:
        p.error(f"unknown scenario(s): {', '.join(sorted(unknown))}")
    if a.wait_ms < 1000:
        p.error("--wait-ms must be >= 1000")
    if min(a.wait_deltas, a.streams, a.trickle_deltas, a.samples) < 1:
        p.error("--wait-deltas, --streams, --trickle-deltas and --samples must be >= 1")
    if a.trickle_ms < 0 or a.first_delay_ms < 0 or min(a.stall_s, a.term_wait, a.timeout) <= 0:
        p.error("--trickle-ms and --first-delay-ms must be >= 0; --stall-s, --term-wait and --timeout > 0")
    binary = resolve_binary(a.binary, "real_use.py")
    if binary is None:
        return 2
    a.binary = binary
    signal.signal(signal.SIGTERM, on_signal)
    if sys.platform != "linux":
        log("note: /proc is Linux-only; CPU and RSS figures will be n/a")

    res: dict = {
        "meta": {"date": time.strftime("%Y-%m-%d %H:%M:%S"), "binary": a.binary, "machine_line": machine_line(),
                 "loadavg_before": {}, "args": {k: v for k, v in vars(a).items() if k != "json"}},
        "warnings": [],
    }
    warnings = res["warnings"]
    runners = {"waiting": scenario_waiting, "trickle": scenario_trickle,
               "stalled": scenario_stalled, "ttfd": scenario_ttfd}
    failed = False
    try:
        with upstream_session(a.timeout) as (up, env):
            log(f"fake upstream on {up.base_url}; daemon {a.binary}")
            for key in SCENARIOS:
                if key not in scenarios:
                    continue
                res["meta"]["loadavg_before"][key] = load_average()
                try:
                    res[key] = runners[key](a, env, up, warnings)
                except BenchError as exc:
                    failed = True
                    res[key] = {"error": str(exc)}
                    log(f"[{key}] ERROR: {exc}")
            warnings.extend(upstream_warnings(up))
    except KeyboardInterrupt:
        log("interrupted")
        return 130
    res["meta"]["loadavg_at_end"] = load_average()
    res["targets"] = build_targets(res)
    if a.json:
        json.dump(res, sys.stdout, indent=2)
        print()
    else:
        print_report(res)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
