#!/usr/bin/env python3
"""The conversation store's costs: what a stored turn adds to a chat.complete, conversations.list
over 10,000 conversations, conversations.search over 100,000 messages, and the daemon's RSS with
the store open.

A measurement, not a test (tests/StoreTests and EndToEndTests/ConversationTests are the tests): it
prints each figure beside its target with PASS/MISS and exits 0 either way.

    swift build -c release && python3 bench/store.py [--binary PATH]

The store lives in a fresh XDG_DATA_HOME, removed at the end. The 10,000 conversations (10
messages each, 30 to 60 words from a 2,000-word vocabulary) are written with Python's sqlite3 into
the file the daemon created, the way a second program sharing it would: the daemon's triggers keep
its full-text index. Latencies are round trips over the pipes (request written to response read),
medians of many calls, so the figure includes JSON-RPC framing, not only SQLite.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from fake_upstream import Upstream  # noqa: E402
from harness import proc_status_value  # noqa: E402

perf = time.perf_counter


def resident_mib(pid: int) -> float:
    return (proc_status_value(pid, "VmRSS") or 0) / 1024


class Daemon:
    """One daemon over NDJSON pipes, one request at a time."""

    def __init__(self, binary: str, env: dict[str, str]):
        self.process = subprocess.Popen([binary], stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env)
        self.next_id = 0

    def call(self, method: str, params: dict) -> tuple[float, dict]:
        """(seconds from write to answer, the response)."""
        assert self.process.stdin and self.process.stdout
        self.next_id += 1
        line = json.dumps({"jsonrpc": "2.0", "id": self.next_id, "method": method, "params": params}) + "\n"
        started = perf()
        self.process.stdin.write(line.encode())
        self.process.stdin.flush()
        while True:
            message = json.loads(self.process.stdout.readline())
            if message.get("id") == self.next_id:
                elapsed = perf() - started
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return elapsed, message["result"]

    def close(self) -> None:
        assert self.process.stdin
        self.process.stdin.close()
        self.process.wait(timeout=30)


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def report(name: str, value: float, unit: str, target: float | None = None) -> None:
    verdict = "" if target is None else ("  PASS" if value <= target else "  MISS") + f" (target <= {target:g} {unit})"
    print(f"{name:<58} {value:9.3f} {unit}{verdict}")


def user(text: str) -> dict:
    return {"role": "user", "content": text}


def turn_overhead(daemon: Daemon, turns: int) -> None:
    """Plain chat.complete against the same call with conversation_id, interleaved so that drift in
    the machine's load hits both alike."""
    model = "bench-flood-20"
    plain, new, continued, plain_long = [], [], [], []
    conversation = None
    history: list[dict] = []
    for index in range(turns):
        plain.append(daemon.call("chat.complete", {"model": model, "messages": [user(f"question {index}")]})[0])
        elapsed, result = daemon.call("chat.complete", {"model": model, "conversation_id": "new", "messages": [user(f"question {index}")]})
        new.append(elapsed)
        if conversation is None or len(history) >= 20:
            conversation, history = result["conversation_id"], [user(f"question {index}"), result["choices"][0]["message"]]
            continue
        # The same messages sent whole, then as a stored turn: what the store adds is the difference.
        asked = user(f"and then {index}")
        plain_long.append(daemon.call("chat.complete", {"model": model, "messages": history + [asked]})[0])
        elapsed, result = daemon.call("chat.complete", {"model": model, "conversation_id": conversation, "messages": [asked]})
        continued.append(elapsed)
        history += [asked, result["choices"][0]["message"]]
    report("chat.complete round trip, no store (median)", median_ms(plain), "ms")
    report("stored turn overhead, conversation_id \"new\"", median_ms(new) - median_ms(plain), "ms", 1)
    report("stored turn overhead, continuing (2 to 20 messages stored)", median_ms(continued) - median_ms(plain_long), "ms", 1)


VOCABULARY = [f"w{index:04d}" for index in range(1900)] + [
    "monad", "functor", "python", "rust", "swift", "sqlite", "index", "query", "stream", "daemon",
    "editor", "neovim", "emacs", "buffer", "closure", "async", "thread", "socket", "parser", "token",
] * 5


def fill(path: str, conversations: int, per_conversation: int, seed: int = 7) -> None:
    """Writes `conversations` conversations of `per_conversation` messages into the store."""
    rng = random.Random(seed)
    db = sqlite3.connect(path, timeout=30)
    now = int(time.time() * 1000) - conversations * 10
    with db:
        for index in range(conversations):
            cid = f"conv_bench{index:08d}"
            stamp = now + index * 10
            db.execute("INSERT INTO conversations (id, title, created_at, updated_at, model, message_count) VALUES (?, ?, ?, ?, ?, ?)",
                       (cid, f"Conversation {index}", stamp, stamp, "gpt-4o-mini", per_conversation))
            rows = []
            for position in range(per_conversation):
                role = "user" if position % 2 == 0 else "assistant"
                text = " ".join(rng.choice(VOCABULARY) for _ in range(rng.randint(30, 60)))
                rows.append((cid, position, role, json.dumps({"role": role, "content": text}), text, stamp))
            db.executemany("INSERT INTO messages (conversation_id, position, role, message, text, created_at) VALUES (?, ?, ?, ?, ?, ?)", rows)
    db.close()


def list_and_search(daemon: Daemon, calls: int) -> None:
    for limit in (50, 1000):
        samples = [daemon.call("conversations.list", {"limit": limit})[0] for _ in range(calls)]
        report(f"conversations.list limit {limit} over 10k conversations", median_ms(samples), "ms", 50)
    last = daemon.call("conversations.list", {"limit": 1000})[1]["conversations"][-1]["id"]
    samples = [daemon.call("conversations.list", {"limit": 50, "before": last})[0] for _ in range(calls)]
    report("conversations.list limit 50 before the 1000th", median_ms(samples), "ms", 50)
    for query in ("monad", "python async", "w0001 w0002", "socket parser thread", "nothing-matches"):
        samples = []
        for _ in range(calls):
            elapsed, result = daemon.call("conversations.search", {"query": query, "limit": 20})
            samples.append(elapsed)
        report(f"conversations.search \"{query}\" over 100k messages ({len(result['results'])} hits)", median_ms(samples), "ms", 100)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--binary", default=str(Path(__file__).resolve().parent.parent / ".build/release/switchboard"))
    parser.add_argument("--turns", type=int, default=400, help="turns per kind in the overhead scenario")
    parser.add_argument("--conversations", type=int, default=10_000)
    parser.add_argument("--messages", type=int, default=10, help="messages per conversation")
    parser.add_argument("--calls", type=int, default=30, help="calls per list or search figure")
    args = parser.parse_args()
    data = tempfile.mkdtemp(prefix="switchboard-bench-store-")
    upstream = Upstream(io_timeout=30)
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": data, "XDG_DATA_HOME": data,
           "OPENAI_API_KEY": "bench-key", "OPENAI_BASE_URL": upstream.base_url}
    daemon = None
    try:
        daemon = Daemon(args.binary, env)
        daemon.call("initialize", {"config": {"preconnect": False}})
        idle = resident_mib(daemon.process.pid)
        daemon.call("chat.complete", {"model": "bench-flood-20", "messages": [user("warm up")]})
        before_store = resident_mib(daemon.process.pid)
        daemon.call("conversations.list", {"limit": 1})
        report("RSS idle, after initialize", idle, "MiB")
        report("RSS after one chat.complete (libcurl loaded)", before_store, "MiB")
        report("RSS with the store open (libsqlite3 loaded, empty store)", resident_mib(daemon.process.pid), "MiB")
        turn_overhead(daemon, args.turns)
        daemon.close()

        fill(os.path.join(data, "switchboard", "conversations.sqlite3"), args.conversations, args.messages)
        size = os.path.getsize(os.path.join(data, "switchboard", "conversations.sqlite3")) / 1024 / 1024
        report(f"store file, {args.conversations} conversations x {args.messages} messages", size, "MiB")
        daemon = Daemon(args.binary, env)
        daemon.call("initialize", {"config": {"preconnect": False}})
        list_and_search(daemon, args.calls)
        report("RSS after the list and search calls (10k / 100k store)", resident_mib(daemon.process.pid), "MiB")
        daemon.close()
        daemon = None
    finally:
        if daemon is not None:
            daemon.process.kill()
        upstream.close()
        shutil.rmtree(data, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
