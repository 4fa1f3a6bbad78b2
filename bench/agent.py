#!/usr/bin/env python3
"""What the agent loop costs: agent.run's tool round trips against the same MCP server called
directly with the official SDK, the daemon's CPU while a tool runs, and memory with 20 MCP servers
configured but unused.

Scenarios (each selectable with --only), against the fake upstream of bench/fake_upstream.py
(model bench-tools-1: it calls the request's first tool once, then answers):

  roundtrip  --runs (50) agent.run requests, each one call of mcp-server-time's get_current_time
             (a reference MCP server from PyPI, trusted so no approval is asked): the time from
             the call's tool.call "running" notification to its "completed" one, as the client
             reads them; beside it the same tool called --runs times by the MCP Python SDK
             (bench/mcp_direct_sdk.py) over its own stdio connection. The difference is what a
             round trip through the daemon adds.
  waiting    one agent.run whose tool the client runs (tool.execute) and answers after --wait-s
             (5 s): the daemon's CPU over that wait, beside the idle daemon's over as long; then
             an MCP tool (Tests/Fixtures/mcp-servers/fake_server.py's hang) ended by its server's
             time limit after as long: the daemon's CPU over the whole run.
  idle20     a daemon with 20 stdio servers configured and none used: RSS and child processes,
             beside a daemon with none (servers start at first use).

A measurement, not a test: a MISS still exits 0. Exit codes: 0 figures produced, 1 a scenario
could not be measured, 2 bad command line, no binary or no MCP server. Standard library only;
the SDK baseline runs in the venv scripts/mcp-venv.sh makes. See bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time

from harness import (DEFAULT_BINARY, BenchError, CpuMark, fmt_ms, format_table, log, machine_line, mib, percentile,
                     proc_status_value, resolve_binary, started_daemon, upstream_session, verdict)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TARGET_ADDED_MS = 2.0        # median round trip through the daemon minus the SDK's, at most
TARGET_WAIT_CPU_MS = 10.0    # daemon CPU while a tool runs for 5 s, at most
SCENARIOS = ("roundtrip", "waiting", "idle20")


def tool_call_times(daemon, rid: int, timeout: float) -> tuple[dict, float]:
    """Waits for request rid's result; returns it and the seconds between its tool call's
    "running" and "completed" notifications."""
    result, _ = daemon.result(rid, timeout)
    marks = {}
    for note in daemon.reader.notifications:
        params = note.get("params") or {}
        if note.get("method") == "tool.call" and params.get("request_id") == rid:
            marks[params.get("status")] = note.get("_t")
    if "running" not in marks or "completed" not in marks:
        raise BenchError(f"request {rid}: no running/completed tool.call pair; result: {json.dumps(result)[:300]}")
    return result, marks["completed"] - marks["running"]


def stamp_notifications(daemon) -> None:
    """Records each notification's read time in it (`_t`), for tool_call_times."""
    reader = daemon.reader
    original = reader._message

    def message(line: bytes, t: float) -> None:
        before = len(reader.notifications)
        original(line, t)
        for note in reader.notifications[before:]:
            note["_t"] = t
            if note.get("method") == "tool.call":
                note["_cpu"] = CpuMark(daemon.pid)
    reader._message = message


def roundtrip(args, binary: str, warnings: list[str]) -> list[list[str]]:
    server = {"command": args.time_server, "args": ["--local-timezone", "UTC"], "trust": True, "tools": ["get_current_time"]}
    with upstream_session(30) as (_up, env):
        with started_daemon(binary, env, [], "roundtrip", 10, warnings, config={"mcp_servers": {"time": server}}) as daemon:
            stamp_notifications(daemon)
            params = {"model": "bench-tools-1", "messages": [{"role": "user", "content": '{"timezone":"Europe/Paris"}'}]}
            rid, _ = daemon.request("agent.run", params)
            tool_call_times(daemon, rid, 30)   # warm-up: starts the server
            times = []
            for _ in range(args.runs):
                rid, _ = daemon.request("agent.run", params)
                _, seconds = tool_call_times(daemon, rid, 30)
                times.append(seconds)
    sdk = subprocess.run([args.sdk_python, os.path.join(ROOT, "bench", "mcp_direct_sdk.py"), json.dumps({
        "command": args.time_server, "args": ["--local-timezone", "UTC"], "tool": "get_current_time",
        "arguments": {"timezone": "Europe/Paris"}, "repeats": args.runs})], capture_output=True, text=True, timeout=120)
    if sdk.returncode != 0:
        raise BenchError(f"the SDK baseline failed: {sdk.stderr[-400:]}")
    direct = json.loads(sdk.stdout.strip().splitlines()[-1])["seconds"]
    daemon_ms, direct_ms = percentile(times, 50) * 1000, percentile(direct, 50) * 1000
    added = daemon_ms - direct_ms
    return [
        ["tool round trip through agent.run, p50 / p90", f"{fmt_ms(daemon_ms)} / {fmt_ms(percentile(times, 90) * 1000)}", ""],
        ["same call with the MCP SDK directly, p50 / p90", f"{fmt_ms(direct_ms)} / {fmt_ms(percentile(direct, 90) * 1000)}", ""],
        ["added by the daemon (p50 difference)", fmt_ms(added), verdict(added, TARGET_ADDED_MS)],
    ]


def waiting(args, binary: str, warnings: list[str]) -> list[list[str]]:
    tool = {"type": "function", "function": {"name": "slow", "description": "answers late", "parameters": {"type": "object"}}}
    with upstream_session(30) as (_up, env):
        with started_daemon(binary, env, [], "waiting", 10, warnings) as daemon:
            time.sleep(0.3)
            idle_start = CpuMark(daemon.pid)
            time.sleep(args.wait_s)
            idle = CpuMark(daemon.pid).since(idle_start)
            asked = threading.Event()
            marks: dict[str, CpuMark] = {}

            def on_request(message, _t):
                if message.get("method") != "tool.execute":
                    return
                marks["start"] = CpuMark(daemon.pid)
                asked.set()

                def answer():
                    time.sleep(args.wait_s)
                    marks["end"] = CpuMark(daemon.pid)
                    daemon.send({"jsonrpc": "2.0", "id": message["id"], "result": {"content": "done"}})
                threading.Thread(target=answer, daemon=True).start()
            daemon.reader.on_request = on_request
            rid, _ = daemon.request("agent.run", {"model": "bench-tools-1", "tools": [tool],
                                                  "messages": [{"role": "user", "content": "go"}]})
            daemon.result(rid, args.wait_s + 30)
            busy = marks["end"].since(marks["start"])
    # An MCP tool that never answers, ended by its server's time limit.
    fake = {"command": sys.executable, "args": [os.path.join(ROOT, "Tests", "Fixtures", "mcp-servers", "fake_server.py"), "modern"],
            "trust": True, "tools": ["hang"], "timeout_seconds": args.wait_s}
    with upstream_session(30) as (_up, env):
        with started_daemon(binary, env, [], "waiting-mcp", 10, warnings, config={"mcp_servers": {"fake": fake}}) as daemon:
            stamp_notifications(daemon)
            rid, _ = daemon.request("tools.list", {})
            daemon.result(rid, 30)   # the server started
            rid, _ = daemon.request("agent.run", {"model": "bench-tools-1", "messages": [{"role": "user", "content": "go"}]})
            daemon.result(rid, args.wait_s + 30)
            marks = {n["params"]["status"]: n["_cpu"] for n in daemon.reader.notifications if n.get("method") == "tool.call"}
            mcp_busy = marks["failed"].since(marks["running"])
    return [
        [f"daemon CPU while the client runs a tool for {args.wait_s:g} s", f"{busy['cpu_ms']:.1f} ms",
         verdict(busy["cpu_ms"], TARGET_WAIT_CPU_MS)],
        [f"daemon CPU while an MCP tool runs for {args.wait_s:g} s (then hits its time limit)", f"{mcp_busy['cpu_ms']:.1f} ms",
         verdict(mcp_busy["cpu_ms"], TARGET_WAIT_CPU_MS)],
        [f"idle daemon's CPU over {args.wait_s:g} s", f"{idle['cpu_ms']:.1f} ms", ""],
    ]


def children(pid: int) -> int:
    total = 0
    for task in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{task}/children") as f:
            total += len(f.read().split())
    return total


def idle20(args, binary: str, warnings: list[str]) -> list[list[str]]:
    servers = {f"s{i}": {"command": args.time_server, "args": ["--local-timezone", "UTC"]} for i in range(20)}
    rows = []
    with upstream_session(30) as (_up, env):
        for name, config in (("none", None), ("20 servers", {"mcp_servers": servers})):
            with started_daemon(binary, env, [], f"idle-{name}", 10, warnings, config=config) as daemon:
                time.sleep(1.0)
                rss = mib(proc_status_value(daemon.pid, "VmRSS"))
                rows.append([f"RSS idle, {name} configured", f"{rss:.1f} MiB", ""])
                rows.append([f"child processes, {name} configured", str(children(daemon.pid)), "OK" if children(daemon.pid) == 0 else "MISS"])
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--binary", default=DEFAULT_BINARY)
    parser.add_argument("--only", choices=SCENARIOS, action="append")
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--wait-s", type=float, default=5.0)
    parser.add_argument("--time-server", default=os.path.join(ROOT, ".build", "mcp-servers-venv", "bin", "mcp-server-time"),
                        help="the reference time server (scripts/mcp-servers-venv.sh installs it)")
    parser.add_argument("--sdk-python", default=os.path.join(ROOT, ".build", "mcp-venv", "bin", "python"))
    args = parser.parse_args()
    binary = resolve_binary(args.binary, "agent.py")
    if binary is None:
        return 2
    if not os.access(args.time_server, os.X_OK):
        log(f"no mcp-server-time at {args.time_server}: run scripts/mcp-servers-venv.sh (or pass --time-server)")
        return 2
    log(machine_line())
    warnings: list[str] = []
    rows, failed = [], False
    for name in args.only or SCENARIOS:
        try:
            rows += {"roundtrip": roundtrip, "waiting": waiting, "idle20": idle20}[name](args, binary, warnings)
        except BenchError as exc:
            rows.append([name, "ERROR", str(exc)[:200]])
            failed = True
    print(format_table(["figure", "value", "target"], rows))
    for warning in warnings:
        log(f"warning: {warning}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
