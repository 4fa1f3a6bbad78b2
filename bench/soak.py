#!/usr/bin/env python3
"""Switchboard soak: one daemon, many mixed requests, every answer checked.

Standard library only (Python 3.11+). One daemon (the release build by default) gets --requests
requests (10,000), at most --concurrency (64) in flight at a time, against the fake upstream of
bench/fake_upstream.py on 127.0.0.1: chat.complete streamed and not, models.list, config.get,
chat.describeImage with a local PNG, embeddings.create when the daemon lists it, some cancelled
with $/cancelRequest at a random moment, some failing upstream (500, 429 with Retry-After 0, a
stream dropped mid-way, garbage SSE). It checks that every request got exactly one response, that
no delta was lost, duplicated or reordered, that each assembled result (or the partial of a failed
or cancelled one) equals the deltas received, that each error has the code its scenario calls for,
how often the daemon tried the upstream, and that the daemon exits 0 on stdin EOF. It reports RSS
(sampled every 0.5 s) and the thread count.

This is a check, not a benchmark. Exit codes: 0 every correctness check passed (the RSS verdict is
informational), 1 a correctness check failed or the run gave up (--deadline passed, or no response for --stall
seconds), 2 bad command line or no binary. Every wait is bounded.

See bench/README.md ("Soak") for the scenarios and the checks.
"""

from __future__ import annotations

import argparse
import heapq
import json
import os
import random
import signal
import struct
import sys
import tempfile
import threading
import time
import zlib

from fake_upstream import EMBEDDING_DIMENSIONS, Upstream, expected_content
from harness import (DEFAULT_BINARY, BenchError, Daemon, format_table, log, machine_line, mib,
                     on_signal, perf, percentile, proc_status_value, resolve_binary, upstream_session)

# Share of each kind of request, in percent. embeddings.create's share goes to chat.stream when
# the daemon does not list the method.
WEIGHTS = {
    "chat.stream": 31, "chat.flood": 8, "chat.whole": 8, "models.list": 7, "config.get": 7,
    "describe.stream": 4, "describe.whole": 3, "embeddings": 5,
    "cancel.stream": 8, "cancel.whole": 2,
    "fail.500": 3, "fail.429": 4, "fail.drop": 5, "fail.garbage": 5,
}
FLOOD_SIZES = (250, 500, 1000, 2000)   # few sizes: the upstream caches each flood body
RSS_GROWTH_LIMIT = 0.20                # end RSS within +20% of the RSS after the first 1,000
RSS_BASELINE_AFTER = 1000
SAMPLE_INTERVAL_S = 0.5


def tiny_png(width: int = 4, height: int = 4) -> bytes:
    """A valid RGB PNG, built here so the soak needs no image file."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    rows = b"".join(b"\x00" + b"".join(bytes((x * 60, y * 60, 160)) for x in range(width))
                    for y in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


# --------------------------------------------------------------------------------------------
# The plan: one spec per request


def make_spec(rid: int, kind: str, rng: random.Random, png_path: str) -> dict:
    """What to send for request rid of this kind, and what to expect back.

    n: content deltas (or final content "0,...,n-1,") a successful answer must carry;
    stream: whether chat.delta notifications are expected; cancel_after: seconds after sending
    when $/cancelRequest goes out (None: never)."""
    marker = f"[req:{rid}]"
    messages = [{"role": "user", "content": f"{marker} soak"}]
    spec = {"id": rid, "kind": kind, "stream": False, "n": 0, "cancel_after": None, "upstream": True}
    if kind == "chat.stream":
        n = rng.randint(5, 60)
        spec.update(n=n, stream=True, method="chat.complete",
                    params={"model": f"bench-steady-{n}-{rng.randint(1, 3)}", "messages": messages, "stream": True})
    elif kind == "chat.flood":
        n = rng.choice(FLOOD_SIZES)
        spec.update(n=n, stream=True, method="chat.complete",
                    params={"model": f"bench-flood-{n}", "messages": messages, "stream": True})
    elif kind == "chat.whole":
        n = rng.randint(1, 100)
        spec.update(n=n, method="chat.complete", params={"model": f"bench-flood-{n}", "messages": messages})
    elif kind == "models.list":
        spec.update(method="models.list", params={}, upstream=False)
    elif kind == "config.get":
        spec.update(method="config.get", params={}, upstream=False)
    elif kind in ("describe.stream", "describe.whole"):
        n = rng.randint(3, 30)
        stream = kind == "describe.stream"
        spec.update(n=n, stream=stream, method="chat.describeImage",
                    params={"image": png_path, "prompt": f"{marker} what is this?", "stream": stream,
                            "model": f"bench-steady-{n}-1" if stream else f"bench-flood-{n}"})
    elif kind == "embeddings":
        spec.update(method="embeddings.create", params={"model": "bench-embed", "input": f"{marker} soak"})
    elif kind == "cancel.stream":
        n, delay = rng.randint(20, 100), rng.randint(2, 5)
        spec.update(n=n, stream=True, method="chat.complete", cancel_after=rng.uniform(0, 1.2 * n * delay / 1000),
                    params={"model": f"bench-steady-{n}-{delay}", "messages": messages, "stream": True})
    elif kind == "cancel.whole":
        n, delay = rng.randint(25, 100), rng.randint(2, 4)
        spec.update(n=n, method="chat.complete", cancel_after=rng.uniform(0, 1.2 * n * delay / 1000),
                    params={"model": f"bench-steady-{n}-{delay}", "messages": messages})
    elif kind in ("fail.500", "fail.429"):
        model = "bench-status-500" if kind == "fail.500" else "bench-status-429-0"
        stream = rng.random() < 0.5
        spec.update(method="chat.complete", params={"model": model, "messages": messages, "stream": stream})
    elif kind in ("fail.drop", "fail.garbage"):
        k = rng.randint(0, 40)
        spec.update(n=k, stream=True, method="chat.complete",
                    params={"model": f"bench-{kind[5:]}-{k}", "messages": messages, "stream": True})
    else:
        raise ValueError(kind)
    return spec


def make_plan(count: int, seed: int, first_id: int, png_path: str, with_embeddings: bool) -> list[dict]:
    weights = dict(WEIGHTS)
    if not with_embeddings:
        weights["chat.stream"] += weights.pop("embeddings")
    rng = random.Random(seed)
    kinds = rng.choices(list(weights), weights=list(weights.values()), k=count)
    return [make_spec(first_id + i, kind, rng, png_path) for i, kind in enumerate(kinds)]


# --------------------------------------------------------------------------------------------
# Watching the daemon's output


class Ledger:
    """Everything the daemon answered, filled in by the stdout reader thread.

    Per request: the content of every chat.delta in arrival order, whether the sequence numbers
    ("i," in delta i) ever skipped or repeated, deltas after the response, and the response(s)."""

    def __init__(self, specs: dict[int, dict], slots: threading.Semaphore):
        self.specs = specs
        self.slots = slots
        self.lock = threading.Lock()
        self.contents: dict[int, list[str]] = {rid: [] for rid in specs}
        self.seq_problem: dict[int, str] = {}
        self.other_deltas: dict[int, int] = {}
        self.after_response: dict[int, int] = {}
        self.answers: dict[int, tuple[dict, float]] = {}
        self.duplicates: dict[int, int] = {}
        self.unknown: list[str] = []
        self.done = 0
        self.last_answer = perf()
        self.all_done = threading.Event()

    def on_delta(self, line: bytes, t: float) -> None:
        try:
            params = json.loads(line)["params"]
            rid = params["request_id"]
            content = (params.get("delta") or {}).get("content")
        except (ValueError, KeyError, TypeError, AttributeError):
            self.unknown.append(f"malformed chat.delta {line[:120]!r}")
            return
        with self.lock:
            got = self.contents.get(rid)
            if got is None:
                self.unknown.append(f"chat.delta for unknown request_id {rid!r}")
                return
            if rid in self.answers:
                self.after_response[rid] = self.after_response.get(rid, 0) + 1
            if content is None:
                self.other_deltas[rid] = self.other_deltas.get(rid, 0) + 1
                return
            if content != f"{len(got)}," and rid not in self.seq_problem:
                self.seq_problem[rid] = f"delta {len(got)} carried {content[:20]!r}"
            got.append(content)

    def on_response(self, msg: dict, t: float) -> None:
        rid = msg.get("id")
        with self.lock:
            if rid not in self.specs:
                self.unknown.append(f"response for unknown id {rid!r}")
                return
            if rid in self.answers:
                self.duplicates[rid] = self.duplicates.get(rid, 0) + 1
                return
            self.answers[rid] = (msg, t)
            self.done += 1
            self.last_answer = t
            if self.done == len(self.specs):
                self.all_done.set()
        self.slots.release()


class Canceller:
    """Sends $/cancelRequest for a request at its due time, from one thread."""

    def __init__(self, daemon: Daemon):
        self.daemon = daemon
        self.heap: list[tuple[float, int]] = []
        self.cond = threading.Condition()
        self.stopped = False
        self.sent: dict[int, float] = {}
        self.thread = threading.Thread(target=self._run, name="canceller", daemon=True)
        self.thread.start()

    def add(self, due: float, rid: int) -> None:
        with self.cond:
            heapq.heappush(self.heap, (due, rid))
            self.cond.notify()

    def stop(self) -> None:
        with self.cond:
            self.stopped = True
            self.cond.notify()
        self.thread.join(timeout=5)

    def _run(self) -> None:
        while True:
            with self.cond:
                while not self.stopped and (not self.heap or self.heap[0][0] > perf()):
                    self.cond.wait(None if not self.heap else max(0.0, self.heap[0][0] - perf()))
                if self.stopped:
                    return
                _, rid = heapq.heappop(self.heap)
            try:
                self.daemon.send({"jsonrpc": "2.0", "method": "$/cancelRequest", "params": {"id": rid}})
                self.sent[rid] = perf()
            except BenchError:
                return


class Sampler:
    """VmRSS and thread count every SAMPLE_INTERVAL_S, with how many requests had been answered."""

    def __init__(self, pid: int, ledger: Ledger, t0: float):
        self.pid, self.ledger, self.t0 = pid, ledger, t0
        self.samples: list[tuple[float, int, int, int]] = []   # (s since t0, answered, rss KiB, threads)
        self.stop_event = threading.Event()
        self.thread = threading.Thread(target=self._run, name="rss-sampler", daemon=True)
        self.thread.start()

    def sample(self) -> tuple[float, int, int, int] | None:
        rss = proc_status_value(self.pid, "VmRSS")
        threads = proc_status_value(self.pid, "Threads")
        if rss is None or threads is None:
            return None
        s = (perf() - self.t0, self.ledger.done, rss, threads)
        self.samples.append(s)
        return s

    def _run(self) -> None:
        while not self.stop_event.is_set():
            if self.sample() is None:
                return
            self.stop_event.wait(SAMPLE_INTERVAL_S)

    def stop(self) -> None:
        self.stop_event.set()
        self.thread.join(timeout=5)


# --------------------------------------------------------------------------------------------
# Judging one answer


def completion_content(result) -> tuple[str | None, str | None]:
    """(content, finish_reason) of a chat.completion's first choice; (None, None) if it has none."""
    try:
        choice = result["choices"][0]
        return choice["message"]["content"], choice.get("finish_reason")
    except (KeyError, IndexError, TypeError):
        return None, None


def judge_success(spec: dict, result, joined: str) -> str | None:
    """None when a successful result is what this request should have produced."""
    kind, n = spec["kind"], spec["n"]
    if spec["method"] == "chat.complete":
        content, finish = completion_content(result)
        if content != expected_content(n):
            return f"content {str(content)[:40]!r}... ({len(content or '')} chars), expected {n} deltas' worth"
        if spec["stream"] and content != joined:
            return "assembled content differs from the concatenated deltas"
        if finish != "stop":
            return f"finish_reason {finish!r}"
        usage = result.get("usage") if isinstance(result, dict) else None
        if not isinstance(usage, dict) or usage.get("completion_tokens") != n:
            return f"usage {usage!r}"
        return None
    if spec["method"] == "chat.describeImage":
        text = result.get("text") if isinstance(result, dict) else None
        content, _ = completion_content(result.get("completion") if isinstance(result, dict) else None)
        if text != expected_content(n) or content != text:
            return f"text {str(text)[:40]!r}, completion content {str(content)[:40]!r}"
        if spec["stream"] and text != joined:
            return "text differs from the concatenated deltas"
        return None
    if kind == "models.list":
        ids = [m.get("id") for m in (result or {}).get("data", []) if isinstance(m, dict)]
        return None if "bench-flood-1000" in ids else f"model list {json.dumps(result)[:120]}"
    if kind == "config.get":
        ok = isinstance(result, dict) and result.get("api_key") == "[redacted]"
        return None if ok else f"config.get result {json.dumps(result)[:160]}"
    if kind == "embeddings":
        try:
            vector = result["data"][0]["embedding"]
        except (KeyError, IndexError, TypeError):
            vector = None
        return None if isinstance(vector, list) and len(vector) == EMBEDDING_DIMENSIONS \
            else f"embeddings result {json.dumps(result)[:160]}"
    return f"no success check for {kind}"


def partial_content(error: dict) -> str | None:
    data = error.get("data") if isinstance(error.get("data"), dict) else {}
    partial = data.get("partial")
    if partial is None:
        return None
    content, _ = completion_content(partial)
    return content if content is not None else ""


def judge(spec: dict, msg: dict, contents: list[str], other_deltas: int,
          attempts: int, retries: int) -> tuple[str, list[str]]:
    """(outcome, problems) for one request's response, given the deltas received for it."""
    kind = spec["kind"]
    joined = "".join(contents)
    error = msg.get("error")
    problems: list[str] = []
    if not spec["stream"] and (contents or other_deltas):
        problems.append(f"{len(contents) + other_deltas} chat.delta for a request that did not stream")
    if not isinstance(error, dict):
        if "result" not in msg:
            return "malformed", [f"response has neither result nor error: {json.dumps(msg)[:160]}"]
        if kind.startswith("fail."):
            return "succeeded", problems + ["succeeded, expected an error"]
        problem = judge_success(spec, msg["result"], joined)
        if problem:
            problems.append(problem)
        if spec["upstream"] and attempts != 1:
            problems.append(f"{attempts} upstream requests, expected 1")
        return ("finished before the cancel" if kind.startswith("cancel.") else "ok"), problems
    code = error.get("code")
    data = error.get("data") if isinstance(error.get("data"), dict) else {}
    partial = partial_content(error)
    if kind.startswith("cancel."):
        if code != -32800 or data.get("reason") != "cancelled":
            return f"error {code}", problems + [f"expected -32800 reason cancelled, got {json.dumps(error)[:200]}"]
        if partial is not None and partial != joined:
            problems.append(f"partial {partial[:40]!r} differs from the deltas received {joined[:40]!r}")
        if partial is None and joined:
            problems.append(f"no partial, but {len(contents)} deltas had been sent")
        if attempts > 1:
            problems.append(f"{attempts} upstream requests, expected at most 1")
        return ("cancelled with partial" if partial else "cancelled, no output"), problems
    if kind in ("fail.500", "fail.429"):
        status = 500 if kind == "fail.500" else 429
        if code != -32001 or data.get("status") != status:
            problems.append(f"expected -32001 status {status}, got {json.dumps(error)[:200]}")
        if kind == "fail.429" and data.get("retry_after") != 0:
            problems.append(f"retry_after {data.get('retry_after')!r}, expected 0")
        if partial is not None or contents:
            problems.append("partial output for a request the upstream refused")
        if attempts != retries + 1:
            problems.append(f"{attempts} upstream requests, expected {retries + 1} (max_retries {retries})")
        return f"{code} status {data.get('status')} after {attempts} tries", problems
    if kind in ("fail.drop", "fail.garbage"):
        if code != -32004:
            problems.append(f"expected -32004, got {json.dumps(error)[:200]}")
        if joined != expected_content(spec["n"]):
            problems.append(f"{len(contents)} deltas relayed, expected the {spec['n']} before the failure")
        if (partial or "") != joined:
            problems.append(f"partial {str(partial)[:40]!r} differs from the deltas received {joined[:40]!r}")
        if attempts != 1:
            problems.append(f"{attempts} upstream requests, expected 1")
        return f"{code}" + (" with partial" if partial else ", no output"), problems
    return f"error {code}", problems + [f"unexpected error {json.dumps(error)[:200]}"]


# --------------------------------------------------------------------------------------------
# The run


def run_soak(a, env: dict, up: Upstream, png_path: str) -> dict:
    d = Daemon(a.binary, env, a.daemon_arg, "soak")
    ok = False
    try:
        init = d.initialize(a.timeout)
        methods = (init.get("capabilities") or {}).get("methods") or []
        with_embeddings = "embeddings.create" in methods
        rid, _ = d.request("config.get")
        config, _ = d.result(rid, a.timeout)
        retries = int(config.get("max_retries", 2))

        plan = make_plan(a.requests, a.seed, 1000, png_path, with_embeddings)
        specs = {s["id"]: s for s in plan}
        slots = threading.Semaphore(a.concurrency)
        ledger = Ledger(specs, slots)
        d.reader.on_delta = ledger.on_delta
        d.reader.on_response = ledger.on_response
        canceller = Canceller(d)
        time.sleep(0.2)
        start = (proc_status_value(d.pid, "VmRSS"), proc_status_value(d.pid, "Threads"))
        t0 = perf()
        deadline = t0 + a.deadline
        sampler = Sampler(d.pid, ledger, t0)
        sent_at: dict[int, float] = {}
        timed_out = False

        def gave_up() -> bool:
            """Past --deadline, nothing answered for --stall seconds, or the daemon is gone."""
            now = perf()
            return now > deadline or now - ledger.last_answer > a.stall or d.proc.poll() is not None
        log(f"[soak] {a.requests} requests, {a.concurrency} in flight, embeddings.create "
            f"{'included' if with_embeddings else 'not listed by the daemon: left out'}")
        next_report = t0 + 10
        for spec in plan:
            while not slots.acquire(timeout=0.5):
                if gave_up():
                    timed_out = True
                    break
            if timed_out:
                break
            now = perf()
            sent_at[spec["id"]] = now
            d.send({"jsonrpc": "2.0", "id": spec["id"], "method": spec["method"], "params": spec["params"]})
            if spec["cancel_after"] is not None:
                canceller.add(now + spec["cancel_after"], spec["id"])
            if now > next_report:
                log(f"[soak] {ledger.done} answered after {now - t0:.0f} s")
                next_report = now + 10
        while not timed_out and not ledger.all_done.wait(0.5):
            timed_out = gave_up()
        with ledger.lock:
            t1 = max((t for _, t in ledger.answers.values()), default=perf())
        canceller.stop()
        time.sleep(1.0)
        sampler.stop()
        end = sampler.sample()
        hwm = proc_status_value(d.pid, "VmHWM")
        warnings: list[str] = []
        rc = d.finish(a.timeout, warnings)
        ok = True
        return {
            "plan": plan, "ledger": ledger, "sent_at": sent_at, "cancel_sent": canceller.sent,
            "samples": sampler.samples, "start": start, "end": end, "hwm": hwm,
            "attempts": up.attempts_by_marker(), "retries": retries, "with_embeddings": with_embeddings,
            "elapsed": t1 - t0, "timed_out": timed_out, "exit_code": rc, "warnings": warnings,
            "png_markers": {r["marker"] for r in up.requests if r.get("image_png")},
        }
    finally:
        if not ok:
            d.kill()


def evaluate(run: dict) -> tuple[list[list[str]], list[list[str]], bool, list[str]]:
    """(per-kind rows, check rows, all correctness checks passed, notes)."""
    ledger: Ledger = run["ledger"]
    plan, sent_at = run["plan"], run["sent_at"]
    per_kind: dict[str, dict] = {}
    first_problem: dict[str, str] = {}
    problem_count = 0
    late_finishes = 0
    deltas_total = 0
    streams = 0
    for spec in plan:
        rid, kind = spec["id"], spec["kind"]
        k = per_kind.setdefault(kind, {"sent": 0, "answered": 0, "ok": 0, "outcomes": {}, "latency": []})
        if rid not in sent_at:
            continue
        k["sent"] += 1
        answer = ledger.answers.get(rid)
        if answer is None:
            continue
        msg, t = answer
        k["answered"] += 1
        k["latency"].append(t - sent_at[rid])
        contents = ledger.contents[rid]
        deltas_total += len(contents)
        streams += 1 if spec["stream"] else 0
        outcome, problems = judge(spec, msg, contents, ledger.other_deltas.get(rid, 0),
                                  run["attempts"].get(rid, 0), run["retries"])
        if rid in ledger.seq_problem:
            problems.append(f"deltas out of sequence: {ledger.seq_problem[rid]}")
        if spec["method"] == "chat.describeImage" and rid not in run["png_markers"]:
            problems.append("the upstream request held no PNG data: URL")
        cancel_t = run["cancel_sent"].get(rid)
        if outcome == "finished before the cancel" and cancel_t is not None and t - cancel_t > 1.0:
            late_finishes += 1
        k["outcomes"][outcome] = k["outcomes"].get(outcome, 0) + 1
        if problems:
            problem_count += 1
            first_problem.setdefault(kind, f"id {rid}: {'; '.join(problems)}")
        else:
            k["ok"] += 1

    kind_rows = []
    for kind in WEIGHTS:
        k = per_kind.get(kind)
        if not k:
            continue
        outcomes = ", ".join(f"{n} {o}" for o, n in sorted(k["outcomes"].items(), key=lambda x: -x[1]))
        lat = k["latency"]
        kind_rows.append([kind, str(k["sent"]), str(k["answered"]), str(k["ok"]),
                          f"{percentile(lat, 50) * 1000:.0f} / {percentile(lat, 99) * 1000:.0f}" if lat else "n/a",
                          outcomes])

    sent = len(sent_at)
    answered = sum(1 for rid in sent_at if rid in ledger.answers)
    dup = sum(ledger.duplicates.values())
    after = sum(ledger.after_response.values())
    seq_bad = len(ledger.seq_problem)
    checks: list[list[str]] = []
    passed = True

    def check(name: str, value: str, good: bool) -> None:
        nonlocal passed
        passed = passed and good
        checks.append([name, value, "PASS" if good else "FAIL"])

    check("requests sent / planned", f"{sent:,} / {len(plan):,}", sent == len(plan))
    check("every request answered exactly once", f"{answered:,} answered, {sent - answered} missing, "
          f"{dup} duplicate", answered == sent and dup == 0)
    check("responses / deltas for unknown ids", str(len(ledger.unknown)), not ledger.unknown)
    check("deltas in sequence, none lost or repeated", f"{deltas_total:,} content deltas in {streams:,} streams, "
          f"{seq_bad} streams out of sequence", seq_bad == 0)
    check("no delta after its request's response", str(after), after == 0)
    check("results, partials, error codes, upstream tries", f"{problem_count} requests with a problem",
          problem_count == 0)
    check("all answered within --deadline, no --stall", "yes" if not run["timed_out"] else "no: gave up waiting",
          not run["timed_out"])
    check("exit code after stdin EOF", str(run["exit_code"]), run["exit_code"] == 0)

    samples = run["samples"]
    start_rss, start_threads = run["start"]
    base_n = min(RSS_BASELINE_AFTER, len(plan))
    base = next((s for s in samples if s[1] >= base_n), None)
    end = run["end"]
    peak = max((s[2] for s in samples), default=None)
    if base and end:
        growth = end[2] / base[2] - 1
        verdict = "flat" if growth <= RSS_GROWTH_LIMIT else "GROWING"
        rss_value = (f"start {mib(start_rss)}, after {base_n:,} {mib(base[2])}, peak {mib(peak)}, "
                     f"end {mib(end[2])} MiB ({growth * 100:+.1f}% vs after {base_n:,})")
    else:
        verdict, rss_value = "n/a", "no samples (not Linux?)"
    checks.append([f"RSS (VmRSS every {SAMPLE_INTERVAL_S} s; end 1 s after the last response)", rss_value,
                   f"{verdict} (info)"])
    checks.append(["  VmHWM at end", f"{mib(run['hwm'])} MiB", ""])
    step = max(1000, len(plan) // 10)
    marks = [next((s for s in samples if s[1] >= k), None) for k in range(step, len(plan) + 1, step)]
    checks.append([f"  RSS after every {step:,} answered (MiB)",
                   " ".join(f"{mib(s[2]):.1f}" for s in marks if s) or "n/a", ""])
    threads = [s[3] for s in samples]
    checks.append(["daemon threads start / peak / end",
                   f"{start_threads} / {max(threads, default=None)} / {end[3] if end else None}", ""])
    checks.append(["time to the last response, requests per second",
                   f"{run['elapsed']:.1f} s, {answered / max(run['elapsed'], 1e-9):,.0f}/s", ""])

    notes = [f"{kind}: {p}" for kind, p in first_problem.items()]
    missing = [spec for spec in plan if spec["id"] in sent_at and spec["id"] not in ledger.answers]
    for spec in missing[:8]:
        rid = spec["id"]
        cancel_t = run["cancel_sent"].get(rid)
        notes.append(f"no response to id {rid} ({spec['kind']}, {spec['method']} model "
                     f"{spec['params'].get('model')}): {len(ledger.contents[rid])} deltas received, "
                     f"{run['attempts'].get(rid, 0)} upstream requests, cancel "
                     + (f"sent {cancel_t - sent_at[rid]:.3f} s after the request" if cancel_t else "not sent"))
    notes += ledger.unknown[:5]
    if dup:
        notes.append(f"duplicate responses for ids {sorted(ledger.duplicates)[:10]}")
    if late_finishes:
        notes.append(f"{late_finishes} cancelled requests finished normally more than 1 s after the cancel was sent")
    notes += run["warnings"]
    return kind_rows, checks, passed, notes


def main(argv=None) -> int:
    p = argparse.ArgumentParser(
        description="Soak the switchboard daemon with mixed requests against a local fake upstream.",
        epilog="Exit code 0 when every correctness check passed (RSS is informational), "
               "1 when one failed, 2 for a bad command line or missing binary.")
    p.add_argument("--binary", default=str(DEFAULT_BINARY), help="daemon binary (default: .build/release/switchboard)")
    p.add_argument("--requests", type=int, default=10_000, help="requests to send (default 10000)")
    p.add_argument("--concurrency", type=int, default=64, help="requests in flight at a time (default 64)")
    p.add_argument("--seed", type=int, default=1, help="random seed for the mix and the cancel moments (default 1)")
    p.add_argument("--deadline", type=float, default=600.0, help="longest the soak may run, seconds (default 600)")
    p.add_argument("--stall", type=float, default=30.0,
                   help="give up when no response arrived for this long, seconds (default 30)")
    p.add_argument("--timeout", type=float, default=30.0,
                   help="longest wait for initialize, config.get and the exit after stdin EOF (default 30)")
    p.add_argument("--daemon-arg", action="append", default=[], help="extra daemon argument (repeatable)")
    a = p.parse_args(argv)
    if a.requests < 1 or a.concurrency < 1 or min(a.deadline, a.stall, a.timeout) <= 0:
        p.error("--requests and --concurrency must be >= 1, --deadline, --stall and --timeout > 0")
    binary = resolve_binary(a.binary, "soak.py")
    if binary is None:
        return 2
    a.binary = binary
    signal.signal(signal.SIGTERM, on_signal)

    header = [f"Switchboard soak  {time.strftime('%Y-%m-%d %H:%M:%S')}  binary {a.binary}", machine_line()]
    work = tempfile.mkdtemp(prefix="sb-soak-")
    png_path = os.path.join(work, "soak.png")
    with open(png_path, "wb") as f:
        f.write(tiny_png())
    try:
        with upstream_session(a.timeout) as (up, env):
            log(f"fake upstream on {up.base_url}; daemon {a.binary}")
            run = run_soak(a, env, up, png_path)
    except BenchError as exc:
        print(f"soak.py: the soak could not run: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        log("interrupted")
        return 130
    finally:
        os.remove(png_path)
        os.rmdir(work)

    kind_rows, checks, passed, notes = evaluate(run)
    print("\n".join(header))
    print(f"{a.requests:,} requests, {a.concurrency} in flight, seed {a.seed}, max_retries {run['retries']}, "
          f"embeddings.create {'included' if run['with_embeddings'] else 'not listed: left out'}")
    print()
    print(format_table(["kind", "sent", "answered", "ok", "p50 / p99 ms", "outcomes"], kind_rows))
    print()
    print(format_table(["check", "measured", "verdict"], checks))
    if notes:
        print()
        print("notes (first problem per kind, warnings):")
        for n in notes:
            print(f"  - {n}")
    print()
    print("soak: PASS" if passed else "soak: FAIL")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
