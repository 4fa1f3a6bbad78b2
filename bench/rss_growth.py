#!/usr/bin/env python3
"""RSS of one daemon after 10,000, 20,000 and 30,000 chat requests (bursts of 64, every answer read).

A measurement, not a test (the test suite has its own, MemoryGrowthTests): memory a request leaves
behind shows as growth from 10k to 30k (110 bytes a request is about 2 MiB there).

    swift build -c release && python3 bench/rss_growth.py [--binary PATH]
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from fake_upstream import Upstream  # noqa: E402


def resident_mib(pid: int) -> float:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--binary", default=str(Path(__file__).resolve().parent.parent / ".build/release/switchboard"))
    parser.add_argument("--requests", type=int, default=30_000)
    args = parser.parse_args()
    upstream = Upstream(io_timeout=30)
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/tmp"),
           "OPENAI_API_KEY": "bench-key", "OPENAI_BASE_URL": upstream.base_url}
    daemon = subprocess.Popen([args.binary], stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env)
    assert daemon.stdin and daemon.stdout
    marks: dict[int, float] = {}
    sent, started = 0, time.monotonic()
    while sent < args.requests:
        burst = min(64, args.requests - sent)
        lines = (json.dumps({"jsonrpc": "2.0", "id": sent + i, "method": "chat.complete",
                             "params": {"model": "m", "messages": [{"role": "user", "content": "hi"}]}}) + "\n"
                 for i in range(burst))
        daemon.stdin.write("".join(lines).encode())
        daemon.stdin.flush()
        answered = 0
        while answered < burst:
            message = json.loads(daemon.stdout.readline())
            if "id" in message and "method" not in message:
                answered += 1
        sent += burst
        for mark in range(10_000, args.requests + 1, 10_000):
            if sent >= mark and mark not in marks:
                marks[mark] = resident_mib(daemon.pid)
    daemon.stdin.close()
    daemon.wait(timeout=30)
    print(f"{args.binary}: RSS after " + ", ".join(f"{k // 1000}k {v:.2f} MiB" for k, v in marks.items())
          + (f"; growth 10k -> {max(marks) // 1000}k: {marks[max(marks)] - marks[10_000]:.2f} MiB" if len(marks) > 1 else "")
          + f" ({time.monotonic() - started:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
