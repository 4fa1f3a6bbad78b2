#!/usr/bin/env python3
"""A reasoning model (o1-mini), asked as any model is: max_tokens and a system message.

The daemon's model rules turn them into max_completion_tokens and a merged user message.
"""
from switchboard_client import run


def main(switchboard):
    completion = switchboard.request("chat.complete", {
        "model": "o1-mini",
        "max_tokens": 2000,
        "messages": [{"role": "system", "content": "Be terse."}, {"role": "user", "content": "Is 1001 prime?"}],
    })
    print(completion["choices"][0]["message"]["content"])
    details = (completion.get("usage") or {}).get("completion_tokens_details") or {}
    print(f"reasoning tokens: {details.get('reasoning_tokens', 'n/a')}")


run(main)
