#!/usr/bin/env python3
"""Fixed-format output with response_format json_object: the answer is a JSON text, parsed here."""
import json

from switchboard_client import run


def main(switchboard):
    completion = switchboard.request("chat.complete", {
        "model": "gpt-4o-mini",
        "response_format": {"type": "json_object"},
        "messages": [
            {"role": "system", "content": "Reply with a JSON object only."},
            {"role": "user", "content": 'Three colours, as {"colours": ["..."]}.'},
        ],
    })
    for colour in json.loads(completion["choices"][0]["message"]["content"])["colours"]:
        print(colour)


run(main)
