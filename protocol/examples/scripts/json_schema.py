#!/usr/bin/env python3
"""Fixed-format output with response_format json_schema: the model must follow the schema exactly."""
import json

from switchboard_client import run

CITY = {
    "type": "object",
    "additionalProperties": False,
    "required": ["name", "country", "population"],
    "properties": {"name": {"type": "string"}, "country": {"type": "string"}, "population": {"type": "integer"}},
}


def main(switchboard):
    completion = switchboard.request("chat.complete", {
        "model": "gpt-4o-mini",
        "response_format": {"type": "json_schema", "json_schema": {"name": "city", "strict": True, "schema": CITY}},
        "messages": [{"role": "user", "content": "Describe Paris."}],
    })
    city = json.loads(completion["choices"][0]["message"]["content"])
    for field in ("name", "country", "population"):
        print(f"{field}: {city[field]}")


run(main)
