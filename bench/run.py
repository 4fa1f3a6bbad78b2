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
import json
import os
import platform
import queue
import signal
import sys
import threading
import time

from fake_upstream import PingPong, Upstream
from harness import (CLK_TCK, DEFAULT_BINARY, BenchError, Daemon, LineReader, RssSampler,
                     check_completion, check_deltas, cold_start_once, fmt_ms, load_average, log,
                     mib, on_signal, perf, proc_cpu_seconds, proc_status_value, resolve_binary,
                     summary_ms, timed_spawn_exit, upstream_session, upstream_warnings, verdict,
                     write_all)

# Targets (see README): value compared, comparison, limit, unit.
TARGET_STARTUP_MS = 20.0          # median spawn -> initialize response
TARGET_LATENCY_P50_MS = 0.2       # ping-pong added latency, p50
TARGET_THROUGHPUT = 100_000.0     # chat.delta notifications per second, one stream
TARGET_IDLE_RSS_MIB = 30.0        # VmRSS after initialize


# --------------------------------------------------------------------------------------------
# Scenarios


def scenario_cold_start(a, env, warnings) -> dict:
    runs = a.runs
    log(f"[cold start] {runs} runs of spawn -> initialize response, {runs} of --version, {runs} of /bin/true")
    # one unmeasured run to warm the page cache
    cold_start_once(a.binary, env, a.daemon_arg, a.timeout)
    init, exit_after, codes = [], [], []
    for _ in range(runs):
        t_init, t_exit, rc = cold_start_once(a.binary, env, a.daemon_arg, a.timeout)
        init.append(t_init)
        exit_after.append(t_exit)
        codes.append(rc)
    bad = [c for c in codes if c != 0]
    if bad:
        warnings.append(f"cold start: daemon exit code after initialize + stdin EOF was {bad[:5]} "
                        f"in {len(bad)}/{runs} runs (expected 0)")
    version, vcodes, vout = [], [], b""
    for _ in range(runs):
        t, rc, vout = timed_spawn_exit([a.binary, "--version", *a.daemon_arg], env, a.timeout)
        version.append(t)
        vcodes.append(rc)
    if any(c != 0 for c in vcodes):
        warnings.append(f"--version exited with code(s) {sorted(set(vcodes))}")
    floor = []
    true_bin = "/bin/true" if os.path.exists("/bin/true") else "/usr/bin/true"
    for _ in range(runs):
        t, _, _ = timed_spawn_exit([true_bin], env, a.timeout)
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
        ideal_s = n * delay_ms / 1000.0
        limit_s = max(a.timeout, ideal_s * 10 + 30)
        sampler = RssSampler(d.pid, 0.01, limit_s + 10).start()
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
            sampler.stop()
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
            "peak_rss_mib": mib(max(sampler.peak_kib, idle or 0)),
            "hwm_mib": mib(hwm),
            "rss_after_mib": mib(after),
            "rss_samples": sampler.count,
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
    binary = resolve_binary(a.binary, "run.py")
    if binary is None:
        return 2
    a.binary = binary

    signal.signal(signal.SIGTERM, on_signal)
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
    try:
        with upstream_session(a.timeout) as (up, env):
            log(f"fake upstream on {up.base_url}; daemon {a.binary}")
            steps = [
                ("cold", "cold_start", lambda: scenario_cold_start(a, env, warnings)),
                ("latency", "harness_floor",
                 lambda: scenario_harness_floor(a.latency_deltas + a.warmup, a.timeout)),
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
            warnings.extend(upstream_warnings(up))
    except KeyboardInterrupt:
        log("interrupted")
        return 130

    res["targets"] = build_targets(res)
    if a.json:
        json.dump(res, sys.stdout, indent=2)
        print()
    else:
        print_table(res)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
