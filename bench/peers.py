#!/usr/bin/env python3
"""Switchboard against peers: the same upstream stream consumed three ways.

(a) Switchboard (the daemon relaying it as chat.delta notifications), (b) `curl -N` writing the
raw SSE bytes to /dev/null (the floor: no parsing at all), (c) the official `openai` Python SDK
(`client.chat.completions.create(stream=True)` against the fake upstream's base URL).

Figures, each the median over --runs fresh processes: cold start (spawn to ready), time to first
delta on a paced stream, wall time and CPU time for a stream of --deltas deltas, peak RSS. The
upstream is bench/fake_upstream.py on 127.0.0.1; its streams are byte-identical for all three.

The SDK is looked for in .venv-bench/ and then in this Python; when neither has it, it is
installed with pip into .venv-bench/ (unless --no-install). If that fails, (c) is left out and the
reason printed. Exit codes: 0 figures produced, 1 a peer could not be measured, 2 bad command
line or no binary. See bench/README.md ("Against peers").
"""

from __future__ import annotations

import argparse
import json
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from fake_upstream import Upstream, flood_sse
from harness import (DEFAULT_BINARY, REPO_ROOT, BenchError, Daemon, chat_body, check_completion,
                     check_deltas, format_table, log, machine_line, on_signal, perf, percentile,
                     proc_cpu_seconds, proc_status_value, resolve_binary, run_child,
                     timed_spawn_exit, upstream_session)

VENV = REPO_ROOT / ".venv-bench"
SDK_CLIENT = Path(__file__).resolve().parent / "peers_sdk_client.py"


def median(values: list[float]) -> float | None:
    return percentile(values, 50) if values else None


def ms(x: float | None) -> str:
    return "n/a" if x is None else f"{x * 1000:.1f} ms" if x < 10 else f"{x:.2f} s"


def mib_kib(kib: float | None) -> str:
    return "n/a" if kib is None else f"{kib / 1024:.1f} MiB"


# --------------------------------------------------------------------------------------------
# The peers: each returns one dict per run with cold, ttfd, walls, cpu_per_stream, rss_kib


def run_switchboard(a, env: dict, paced: str, flood: str) -> dict:
    t0 = perf()
    d = Daemon(a.binary, env, a.daemon_arg, "peers")
    try:
        rid, _ = d.request("initialize", {"client_info": {"name": "switchboard-peers", "version": "1"}})
        _, t_ready = d.result(rid, a.timeout)
        d.send({"jsonrpc": "2.0", "method": "initialized", "params": {}})
        d.reader.first_delta_t = None
        rid, t_sent = d.stream(paced)
        result, _ = d.result(rid, a.timeout)
        problem = check_completion(result, a.paced_deltas)
        if problem or d.reader.first_delta_t is None:
            raise BenchError(f"paced stream: {problem or 'no chat.delta'}")
        ttfd = d.reader.first_delta_t - t_sent
        walls, cpus = [], []
        for _ in range(a.repeats):
            d.reader.delta_lines = []
            cpu0 = proc_cpu_seconds(d.pid)
            rid, t_sent = d.stream(flood)
            result, t_done = d.result(rid, a.timeout)
            cpu1 = proc_cpu_seconds(d.pid)
            stats = check_deltas(d.reader.delta_lines, {rid: a.deltas})
            problem = check_completion(result, a.deltas)
            if problem or not stats["ok"]:
                raise BenchError(f"flood stream: {problem or stats['first_problem'] or stats['missing']}")
            walls.append(t_done - t_sent)
            cpus.append(cpu1 - cpu0)
        hwm = proc_status_value(d.pid, "VmHWM")
        warnings: list[str] = []
        rc = d.finish(a.timeout, warnings)
        if rc != 0:
            raise BenchError(f"daemon exit code {rc} after stdin EOF; {warnings}")
        return {"cold": t_ready - t0, "ttfd": ttfd, "walls": walls, "cpu_per_stream": sum(cpus) / len(cpus),
                "rss_kib": hwm}
    finally:
        d.kill()


def curl_argv(url: str, model: str, extra: list[str]) -> list[str]:
    return ["curl", "-sS", "-N", "--fail", "-H", "Content-Type: application/json",
            "-H", "Authorization: Bearer bench-key", "--data-binary", chat_body(model).decode(), *extra,
            f"{url}/chat/completions"]


def run_curl(a, env: dict, url: str, paced: str, flood: str, flood_bytes: int) -> dict:
    first: list[float] = []

    def on_line(line: bytes, t: float) -> None:
        if not first and line.startswith(b"data: {"):
            first.append(t)

    r = run_child(curl_argv(url, paced, []), env, a.timeout, on_line)
    if r["rc"] != 0 or not first:
        raise BenchError(f"curl paced stream: exit {r['rc']}, {r['err'][:200]!r}")
    ttfd = first[0] - r["t0"]
    walls, cpus, rss = [], [], []
    for _ in range(a.repeats):
        r = run_child(curl_argv(url, flood, ["-o", "/dev/null", "-w", "%{size_download}"]), env, a.timeout)
        if r["rc"] != 0 or r["out"].strip() != str(flood_bytes).encode():
            raise BenchError(f"curl flood: exit {r['rc']}, {r['out'][:80]!r} bytes (expected {flood_bytes}), "
                             f"{r['err'][:200]!r}")
        walls.append(r["t_end"] - r["t0"])
        cpus.append(r["cpu"])
        rss.append(r["hwm_kib"] or 0)
    return {"cold": None, "ttfd": ttfd, "walls": walls, "cpu_per_stream": sum(cpus) / len(cpus), "rss_kib": max(rss)}


def run_sdk(a, sdk_python: str, env: dict, url: str, paced: str, flood: str) -> dict:
    ready: list[tuple[float, dict]] = []

    def on_line(line: bytes, t: float) -> None:
        if not ready and line.startswith(b'{"ready"'):
            ready.append((t, json.loads(line)))

    args = {"base_url": url, "paced_model": paced, "flood_model": flood, "repeats": a.repeats}
    r = run_child([sdk_python, str(SDK_CLIENT), json.dumps(args)], env, a.timeout * (a.repeats + 2), on_line)
    lines = [ln for ln in r["out"].split(b"\n") if ln.startswith(b'{"ttfd"')]
    if r["rc"] != 0 or not ready or not lines:
        raise BenchError(f"SDK client: exit {r['rc']}, stderr {r['err'][-400:]!r}")
    res = json.loads(lines[-1])
    bad = [f for f in res["floods"] if f["deltas"] != a.deltas or not f["in_order"]]
    if res["paced_deltas"] != a.paced_deltas or not res["paced_in_order"] or bad:
        raise BenchError(f"SDK client saw wrong deltas: paced {res['paced_deltas']}, floods {bad[:1]}")
    return {"cold": ready[0][0] - r["t0"], "import_construct": ready[0][1]["ready"], "version": ready[0][1]["version"],
            "ttfd": res["ttfd"], "walls": [f["wall"] for f in res["floods"]],
            "cpu_per_stream": sum(f["cpu"] for f in res["floods"]) / len(res["floods"]), "rss_kib": r["hwm_kib"]}


# --------------------------------------------------------------------------------------------
# Finding (or installing) the SDK


def has_openai(python: str) -> bool:
    try:
        return subprocess.run([python, "-c", "import openai"], capture_output=True, timeout=60).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def find_sdk_python(install: bool) -> tuple[str | None, str]:
    """(python that imports openai, how it was found) or (None, why not)."""
    venv_python = VENV / "bin" / "python"
    for python, where in ((str(venv_python), str(VENV)), (sys.executable, "this Python")):
        if Path(python).exists() and has_openai(python):
            return python, where
    if not install:
        return None, "openai is not importable and --no-install was given"
    log(f"[sdk] installing openai with pip into {VENV}")
    try:
        if not venv_python.exists():
            subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True, capture_output=True, timeout=300)
        r = subprocess.run([str(venv_python), "-m", "pip", "install", "-q", "openai"], capture_output=True,
                           timeout=600)
    except (OSError, subprocess.SubprocessError) as exc:
        return None, f"creating {VENV} or running pip failed: {exc}"
    if r.returncode != 0:
        why = " ".join(r.stderr.decode("utf-8", "replace").split())[-300:]
        return None, f"pip install openai failed (exit {r.returncode}): {why}"
    return (str(venv_python), f"{VENV} (just installed)") if has_openai(str(venv_python)) \
        else (None, "pip reported success but openai still does not import")


# --------------------------------------------------------------------------------------------


def summarize(runs: list[dict]) -> dict:
    return {
        "cold": median([r["cold"] for r in runs if r.get("cold") is not None]),
        "ttfd": median([r["ttfd"] for r in runs]),
        "wall": median([w for r in runs for w in r["walls"]]),
        "cpu": median([r["cpu_per_stream"] for r in runs]),
        "rss_kib": max((r["rss_kib"] for r in runs if r["rss_kib"]), default=None),
        "import_construct": median([r["import_construct"] for r in runs if "import_construct" in r]),
    }


def measure(a, up: Upstream, env: dict, curl: str | None, sdk_python: str | None, sdk_where: str):
    """Runs every peer --runs times: (summaries by peer, reasons by peer left out, curl process start)."""
    paced = f"bench-steady-{a.paced_deltas}-{a.paced_ms}"
    flood = f"bench-flood-{a.deltas}"
    up.flood_body(flood, a.deltas)   # pre-encode outside every timed window
    flood_bytes = len(flood_sse(flood, a.deltas))
    results: dict[str, dict] = {}
    errors: dict[str, str] = {}
    peers = [("switchboard", lambda: run_switchboard(a, env, paced, flood))]
    if curl:
        peers.append(("curl", lambda: run_curl(a, env, up.base_url, paced, flood, flood_bytes)))
    else:
        errors["curl"] = "curl not found on PATH"
    if sdk_python:
        peers.append(("sdk", lambda: run_sdk(a, sdk_python, env, up.base_url, paced, flood)))
    else:
        errors["sdk"] = sdk_where
    for name, fn in peers:
        log(f"[{name}] {a.runs} runs")
        try:
            runs = [fn() for _ in range(a.runs)]
            results[name] = summarize(runs)
            results[name]["extra"] = runs[0]
        except BenchError as exc:
            errors[name] = str(exc)
            log(f"[{name}] ERROR: {exc}")
    curl_start = None
    if curl:
        curl_start = median([timed_spawn_exit([curl, "--version"], env, a.timeout)[0] for _ in range(a.runs)])
    return results, errors, curl_start


def main(argv=None) -> int:
    p = argparse.ArgumentParser(
        description="Switchboard against curl -N and the openai Python SDK on one fake upstream.",
        epilog="Exit code 0 figures produced, 1 a peer could not be measured, "
               "2 bad command line or missing binary.")
    p.add_argument("--binary", default=str(DEFAULT_BINARY), help="daemon binary (default: .build/release/switchboard)")
    p.add_argument("--runs", type=int, default=5, help="fresh processes per peer (default 5)")
    p.add_argument("--repeats", type=int, default=5, help="flood streams per process (default 5)")
    p.add_argument("--deltas", type=int, default=10_000, help="deltas in the flood stream (default 10000)")
    p.add_argument("--paced-deltas", type=int, default=20, help="deltas in the paced stream (default 20)")
    p.add_argument("--paced-ms", type=int, default=5, help="pause between paced deltas, ms (default 5)")
    p.add_argument("--timeout", type=float, default=60.0,
                   help="longest wait for any one stream or process (default 60)")
    p.add_argument("--no-sdk", action="store_true", help="leave out the openai SDK")
    p.add_argument("--no-install", action="store_true", help="do not pip-install openai into .venv-bench/")
    p.add_argument("--markdown", action="store_true", help="print the table as Markdown too (for bench/README.md)")
    p.add_argument("--daemon-arg", action="append", default=[], help="extra daemon argument (repeatable)")
    a = p.parse_args(argv)
    if min(a.runs, a.repeats, a.deltas, a.paced_deltas) < 1 or a.paced_ms < 0 or a.timeout <= 0:
        p.error("--runs, --repeats, --deltas, --paced-deltas must be >= 1, --paced-ms >= 0, --timeout > 0")
    binary = resolve_binary(a.binary, "peers.py")
    if binary is None:
        return 2
    a.binary = binary
    signal.signal(signal.SIGTERM, on_signal)

    sdk_python, sdk_where = (None, "--no-sdk") if a.no_sdk else find_sdk_python(not a.no_install)
    curl = shutil.which("curl")
    date = time.strftime("%Y-%m-%d %H:%M:%S")
    try:
        with upstream_session(a.timeout) as (up, env):
            results, errors, curl_start = measure(a, up, env, curl, sdk_python, sdk_where)
    except KeyboardInterrupt:
        return 130

    labels = {"switchboard": "(a) Switchboard (daemon; client = this script)",
              "curl": "(b) curl -N > /dev/null (raw SSE, no parsing)",
              "sdk": "(c) openai Python SDK"}
    rows = []
    for name in ("switchboard", "curl", "sdk"):
        if name in errors:
            rows.append([labels[name], f"left out: {errors[name]}", "", "", "", ""])
            continue
        r = results[name]
        cold = ms(r["cold"])
        if name == "curl":
            cold = f"n/a (process start {ms(curl_start)})"
        elif name == "sdk":
            cold += f" (import + client {ms(r['import_construct'])})"
        rows.append([labels[name], cold, ms(r["ttfd"]), ms(r["wall"]),
                     f"{r['cpu'] * 1000 * 10_000 / a.deltas:.0f} ms", mib_kib(r["rss_kib"])])
    headers = ["peer", "cold start: spawn -> ready", "time to first delta",
               f"wall, {a.deltas:,}-delta stream", "CPU per 10,000 deltas", "peak RSS"]
    sdk_version = results.get("sdk", {}).get("extra", {}).get("version")
    print(f"Switchboard against peers  {date}  binary {a.binary}")
    print(machine_line())
    print(f"{a.runs} fresh processes per peer, {a.repeats} flood streams of {a.deltas:,} deltas each; paced stream "
          f"{a.paced_deltas} deltas {a.paced_ms} ms apart; medians; openai SDK "
          f"{sdk_version or 'n/a'} from {sdk_where}")
    print()
    print(format_table(headers, rows))
    if a.markdown:
        print()
        print("| " + " | ".join(headers) + " |")
        print("|" + " --- |" * len(headers))
        for row in rows:
            print("| " + " | ".join(c or "" for c in row) + " |")
    return 1 if any(k in errors for k in ("switchboard", "curl")) else 0


if __name__ == "__main__":
    sys.exit(main())
