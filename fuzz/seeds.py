#!/usr/bin/env python3
"""Writes the generated seed corpora and dictionaries for fuzz/run.sh.

Usage: seeds.py <repo root> <output directory>

Seeds come from protocol/examples/*.jsonl: every line and every message (`json`), the
messages a client sends, alone and as batches (`message`), those messages as NDJSON, LSP and
mixed byte streams (`frame`), and the upstream SSE payloads as event streams (`sse`). The
`message` dictionary holds every method and param name of protocol/switchboard.openrpc.json.
"""
import glob
import hashlib
import json
import os
import sys


def compact(value):
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


def lsp(payload):
    return b"Content-Length: %d\r\n\r\n" % len(payload) + payload


def write(directory, blobs):
    os.makedirs(directory, exist_ok=True)
    for blob in blobs:
        with open(os.path.join(directory, hashlib.sha1(blob).hexdigest()), "wb") as out:
            out.write(blob)


def dictionary(path, tokens):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as out:
        for token in sorted(set(tokens)):
            out.write(json.dumps(token, ensure_ascii=True) + "\n")


def main(root, out):
    seeds = {"frame": [], "json": [], "message": [], "sse": []}
    for path in sorted(glob.glob(os.path.join(root, "protocol/examples/*.jsonl"))):
        sends = []
        for line in open(path, "rb"):
            line = line.rstrip(b"\n")
            if not line:
                continue
            seeds["json"].append(line)
            entry = json.loads(line)
            for key, value in entry.items():
                if key in ("send", "expect"):
                    seeds["json"].append(compact(value))
                if key == "send":
                    sends.append(compact(value))
                if key == "upstream" and isinstance(value, dict):
                    if "json" in value:
                        seeds["json"].append(compact(value["json"]))
                        seeds["sse"].append(b"data: " + compact(value["json"]) + b"\n\n")
                    if "sse" in value:
                        events = [event.encode() for event in value["sse"]]
                        done = [b"[DONE]"] if value.get("done", True) else []
                        seeds["sse"].append(b"".join(b"data: " + e + b"\n\n" for e in events + done))
                        seeds["sse"].append(b"".join(b"data: " + e + b"\r\n\r\n" for e in events + done))
        if sends:
            seeds["message"] += sends
            seeds["message"].append(b"[" + b",".join(sends) + b"]")
            seeds["frame"].append(b"".join(s + b"\n" for s in sends))
            seeds["frame"].append(b"".join(lsp(s) for s in sends))
            seeds["frame"].append(b"".join(lsp(s) if i % 2 else s + b"\r\n" for i, s in enumerate(sends)))
    for target, blobs in seeds.items():
        write(os.path.join(out, "seeds", target), blobs)

    document = json.load(open(os.path.join(root, "protocol/switchboard.openrpc.json")))
    names = []
    for method in document["methods"]:
        names.append(method["name"])
        names += [param["name"] for param in method.get("params", [])]
    quoted = ['"%s"' % name for name in names]
    dictionary(os.path.join(out, "dict", "message.dict"), names + quoted + [
        '"jsonrpc":"2.0"', '"id":', '"method":', '"params":{', '"result":', '"error":',
        "null", "true", "false", "-0", "1e308", "9007199254740993", "\\u0000", "\\ud800", "file://",
        "http://", "https://", "data:image/png;base64,", "tiny.png", "tiny.mp3", "dir", "~",
    ])


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
