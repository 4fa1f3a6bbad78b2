#!/usr/bin/env python3
"""The Responses API, streamed: print the text as the response.output_text.delta events bring it,
then the final response's status (the request's result)."""
import sys

from switchboard_client import run


def show(method, params):
    if method == "responses.event" and params["type"] == "response.output_text.delta":
        sys.stdout.write(params["event"]["delta"])
        sys.stdout.flush()


def main(switchboard):
    response = switchboard.request("responses.create", {
        "model": "gpt-5-mini",
        "stream": True,
        "input": "Describe server-sent events in four words.",
    }, on_notification=show)
    print()
    print(f"status: {response['status']}")


run(main)
