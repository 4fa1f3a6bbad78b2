#!/usr/bin/env python3
"""What ACP mode adds to the first token an editor sees: the time from writing `session/prompt` to
reading its first `agent_message_chunk` (`switchboard --acp`, one session), beside the time from
writing `chat.complete` to reading its first `chat.delta` (the JSON-RPC daemon), on the same fake
upstream stream (bench-trickle-5-1: the first delta at once), alternating, --runs each; then the
CPU of an ACP daemon holding an idle session over --idle-s seconds. Sessions are stored
conversations: the daemons' store lives in a fresh XDG_DATA_HOME, removed at the end.

A measurement, not a test: a MISS still exits 0. Exit codes: 0 figures produced, 1 a scenario
could not be measured, 2 bad command line or no binary. Standard library only. See bench/README.md.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time

from harness import (DEFAULT_BINARY, BenchError, CpuMark, Daemon, fmt_ms, format_table, log, machine_line, percentile,
                     resolve_binary, started_daemon, upstream_session, verdict)

MODEL = "bench-trickle-5-1"
TARGET_ADDED_MS = 0.5       # median ACP first chunk minus JSON-RPC first delta, at most
TARGET_IDLE_CPU_MS = 10.0   # an idle session's daemon CPU over --idle-s, at most


class ACPEditor:
    """A minimal ACP client on a Daemon started with --acp: initialize, one session, prompts."""

    def __init__(self, daemon: Daemon, timeout: float):
        self.daemon = daemon
        self.timeout = timeout
        self.first_chunk_t = None
        reader = daemon.reader
        original = reader._message

        def message(line: bytes, t: float) -> None:
            if self.first_chunk_t is None and b'"agent_message_chunk"' in line:
                self.first_chunk_t = t
            original(line, t)
        reader._message = message
        rid, _ = daemon.request("initialize", {"protocolVersion": 1, "clientCapabilities": {}})
        result, _ = daemon.result(rid, timeout)
        if result.get("protocolVersion") != 1:
            raise BenchError(f"unexpected ACP initialize result: {result}")
        rid, _ = daemon.request("session/new", {"cwd": "/tmp", "mcpServers": []})
        self.session = daemon.result(rid, timeout)[0]["sessionId"]

    def first_chunk(self) -> float:
        """One prompt: seconds from writing it to reading its first agent_message_chunk."""
        self.first_chunk_t = None
        rid, t0 = self.daemon.request("session/prompt", {"sessionId": self.session, "prompt": [{"type": "text", "text": "go"}]})
        result, _ = self.daemon.result(rid, self.timeout)
        if result.get("stopReason") != "end_turn" or self.first_chunk_t is None:
            raise BenchError(f"prompt {rid}: {result}, first chunk {self.first_chunk_t}")
        return self.first_chunk_t - t0


def first_delta(daemon: Daemon, timeout: float) -> float:
    daemon.reader.first_delta_t = None
    rid, t0 = daemon.stream(MODEL)
    daemon.result(rid, timeout)
    if daemon.reader.first_delta_t is None:
        raise BenchError(f"chat.complete {rid}: no chat.delta")
    return daemon.reader.first_delta_t - t0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--binary", default=DEFAULT_BINARY)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--idle-s", type=float, default=5.0)
    parser.add_argument("--timeout", type=float, default=30.0)
    args = parser.parse_args()
    binary = resolve_binary(args.binary, "acp.py")
    if binary is None:
        return 2
    log(machine_line())
    warnings: list[str] = []
    rows = []
    try:
        with upstream_session(args.timeout) as (_up, env), tempfile.TemporaryDirectory(prefix="sb-acp-bench-") as data:
            env = dict(env, XDG_DATA_HOME=data)
            acp = Daemon(binary, env, ["--acp", "--model", MODEL], "acp")
            try:
                editor = ACPEditor(acp, args.timeout)
                with started_daemon(binary, env, [], "jsonrpc", args.timeout, warnings) as jsonrpc:
                    time.sleep(0.3)
                    editor.first_chunk(), first_delta(jsonrpc, args.timeout)   # warm-up, not counted
                    chunks, deltas = [], []
                    for _ in range(args.runs):
                        chunks.append(editor.first_chunk())
                        deltas.append(first_delta(jsonrpc, args.timeout))
                time.sleep(0.3)
                start = CpuMark(acp.pid)
                time.sleep(args.idle_s)
                idle = CpuMark(acp.pid).since(start)
                acp.finish(10, warnings)
            finally:
                acp.kill()
    except BenchError as exc:
        log(f"error: {exc}")
        return 1
    acp_ms, rpc_ms = percentile(chunks, 50) * 1000, percentile(deltas, 50) * 1000
    rows += [
        ["session/prompt to first agent_message_chunk, p50 / p90", f"{fmt_ms(acp_ms)} / {fmt_ms(percentile(chunks, 90) * 1000)}", ""],
        ["chat.complete to first chat.delta, p50 / p90", f"{fmt_ms(rpc_ms)} / {fmt_ms(percentile(deltas, 90) * 1000)}", ""],
        ["added by ACP mode (p50 difference)", f"{fmt_ms(acp_ms - rpc_ms)}", verdict(acp_ms - rpc_ms, TARGET_ADDED_MS)],
        [f"ACP daemon CPU, one idle session, over {args.idle_s:g} s", f"{idle['cpu_ms']:.1f} ms", verdict(idle["cpu_ms"], TARGET_IDLE_CPU_MS)],
    ]
    print(format_table(["figure", "value", "target"], rows))
    for warning in warnings:
        log(f"warning: {warning}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
