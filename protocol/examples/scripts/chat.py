#!/usr/bin/env python3
"""Plain chat: one question, one answer."""
from switchboard_client import run


def main(switchboard):
    completion = switchboard.request("chat.complete", {
        "model": "gpt-4o-mini",
        "messages": [{"role": "user", "content": "Name three primes."}],
    })
    print(completion["choices"][0]["message"]["content"])


run(main)
