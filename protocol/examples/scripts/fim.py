#!/usr/bin/env python3
"""Fill in the middle, as an editor's inline completion does: the code before the cursor is the
prompt, the code after it the suffix, and a local server's coder model writes what goes between.
Prints the completed code. Point OPENAI_BASE_URL at the server (llama-server, vLLM, Ollama)."""
import sys

from switchboard_client import run

BEFORE = "def add(a, b):\n    "
AFTER = "\n\nprint(add(1, 2))\n"


def main(switchboard):
    completion = switchboard.request("completions.create", {
        "model": "qwen2.5-coder",
        "prompt": BEFORE,
        "suffix": AFTER,
        "max_tokens": 32,
        "temperature": 0,
    })
    sys.stdout.write(BEFORE + completion["choices"][0]["text"] + AFTER)


run(main)
