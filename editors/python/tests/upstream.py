"""The echo upstream's log (`GET /echo/log`, see Sources/TestSupport/EchoUpstream.swift): what it
received and how many connections are open, for tests that check the upstream's side."""

import json
import os
import time
import urllib.parse
import urllib.request


def log():
    base = urllib.parse.urlsplit(os.environ["OPENAI_BASE_URL"])
    with urllib.request.urlopen(f"{base.scheme}://{base.netloc}/echo/log", timeout=10) as answer:
        return json.load(answer)


def chat_requests():
    """The bodies of the chat completion requests received so far, oldest first."""
    return [r["body"] for r in log()["requests"] if r["method"] == "POST" and r["path"].endswith("/chat/completions")]


def wait_until(predicate, seconds=5.0):
    """Polls `predicate` every 20 ms until it is true or `seconds` pass; returns its last value."""
    deadline = time.monotonic() + seconds
    while not predicate() and time.monotonic() < deadline:
        time.sleep(0.02)
    return predicate()
