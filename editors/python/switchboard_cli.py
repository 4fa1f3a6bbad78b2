"""`switchboard-chat`: ask a question from the shell and print the answer as it streams.

    switchboard-chat "Explain this error" -f build.log
    git diff | switchboard-chat -s "You review diffs." "Anything wrong here?"
    switchboard-chat -i photo.png "What is in it?"

The question is the arguments, else standard input; with both, standard input is added after
the question as a fenced block. Ctrl-C cancels the request in the daemon (exit code 130); so does
a reader that stops reading (`| head`: exit code 141, as for a process ended by SIGPIPE).
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any, Dict, List, Optional, Sequence

from switchboard_client import Client, SwitchboardError


def _fenced(name: str, text: str) -> str:
    fence = "````" if "```" in text else "```"
    return f"{name}\n{fence}\n{text.rstrip()}\n{fence}"


def build_messages(question: str, stdin_text: str, files: Sequence[str], images: Sequence[str],
                   system: Optional[str]) -> List[Dict[str, Any]]:
    """The chat messages for one question: the system prompt, then one user message holding the
    question, standard input, each file (as fenced blocks) and each image (as image parts)."""
    blocks = [question] if question else []
    if stdin_text:
        blocks.append(_fenced("Standard input:", stdin_text) if question else stdin_text)
    for path in files:
        with open(path, encoding="utf-8", errors="replace") as file:
            blocks.append(_fenced(f"File: {path}", file.read()))
    text = "\n\n".join(blocks)
    if not text.strip():
        raise ValueError("nothing to ask: give a question, or pipe text in")
    content: Any = text
    if images:
        parts: List[Dict[str, Any]] = [{"type": "text", "text": text}]
        for image in images:
            url = image if "://" in image or image.startswith("data:") else os.path.abspath(image)
            parts.append({"type": "image_url", "image_url": {"url": url}})
        content = parts
    messages: List[Dict[str, Any]] = [{"role": "system", "content": system}] if system else []
    return messages + [{"role": "user", "content": content}]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="switchboard-chat", description="Ask a question; print the answer as it streams.")
    parser.add_argument("question", nargs="*", help="the question (default: standard input)")
    parser.add_argument("-m", "--model", help="the model (default: the daemon's default_model)")
    parser.add_argument("-s", "--system", help="a system prompt")
    parser.add_argument("-f", "--file", action="append", default=[], help="add a file as context (repeatable)")
    parser.add_argument("-i", "--image", action="append", default=[], help="attach an image, path or URL (repeatable)")
    parser.add_argument("-p", "--profile", help="the daemon's configuration profile")
    parser.add_argument("--binary", default=os.environ.get("SWITCHBOARD", "switchboard"),
                        help="the daemon (default: $SWITCHBOARD, else switchboard on PATH)")
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    options = _parser().parse_args(argv)
    stdin_text = "" if sys.stdin is None or sys.stdin.isatty() else sys.stdin.read()
    try:
        messages = build_messages(" ".join(options.question), stdin_text, options.file, options.image, options.system)
    except (ValueError, OSError) as error:
        print(f"switchboard-chat: {error}", file=sys.stderr)
        return 2
    params: Dict[str, Any] = {"messages": messages}
    for key in ("model", "profile"):
        if getattr(options, key):
            params[key] = getattr(options, key)
    try:
        with Client(binary=options.binary) as client:
            for piece in client.stream_chat(params):
                sys.stdout.write(piece)
                sys.stdout.flush()
    except KeyboardInterrupt:  # leaving the loop has cancelled the request
        print("\n[cancelled]", file=sys.stderr)
        return 130
    except BrokenPipeError:  # the reader has gone (`| head`); leaving the loop has cancelled the request
        # Python's last flush of stdout at exit would fail again: point stdout at /dev/null first
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except SwitchboardError as error:
        print(f"\nswitchboard-chat: {error}", file=sys.stderr)
        return 1
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
