#!/usr/bin/env python3
"""Embeddings: one vector for a text; prints its length."""
from switchboard_client import run


def main(switchboard):
    result = switchboard.request("embeddings.create", {"model": "text-embedding-3-small", "input": "The quick brown fox"})
    print(f"dimensions: {len(result['data'][0]['embedding'])}")


run(main)
