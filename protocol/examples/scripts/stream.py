#!/usr/bin/env python3
"""Streaming: print the answer's tokens as the chat.delta notifications bring them."""
import sys

from switchboard_client import run


def show(method, params):
    if method == "chat.delta":
        sys.stdout.write(params["delta"].get("content") or "")
        sys.stdout.flush()


def main(switchboard):
    switchboard.request("chat.complete", {
        "model": "gpt-4o-mini",
        "stream": True,
        "messages": [{"role": "user", "content": "Write a haiku about pipes."}],
    }, on_notification=show)
    print()


run(main)
