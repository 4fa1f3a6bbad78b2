"""A user's script, as the README shows them: `mypy --strict` must accept it (see test_typing.py)."""

import asyncio
from typing import Any, Dict, List

from switchboard_client import AsyncClient, Client, SwitchboardError


def ask(question: str) -> str:
    messages: List[Dict[str, Any]] = [{"role": "user", "content": question}]
    pieces: List[str] = []
    with Client(binary="switchboard") as client:
        call = client.stream_chat({"messages": messages})
        for piece in call:
            pieces.append(piece)
        usage = call.result["usage"]
        print(usage["completion_tokens"])
        models = client.request("models.list", timeout=10.0)
        print([model["id"] for model in models["data"]])
        started = client.request("chat.complete", {"conversation_id": "new", "messages": messages})
        found = client.conversations.search("hello", limit=5)
        print(started["conversation_id"], [hit["snippet"] for hit in found["results"]])
    return "".join(pieces)


async def ask_async(question: str) -> str:
    async with AsyncClient() as client:
        text = ""
        async for piece in client.stream_chat({"messages": [{"role": "user", "content": question}]}):
            text += piece
        described = await client.describe_image("photo.png", "What is in it?")
        listed = await client.conversations.list(limit=10)
        print([conversation["title"] for conversation in listed["conversations"]])
        return text + str(described["text"])


if __name__ == "__main__":
    try:
        print(ask("Say hello"), asyncio.run(ask_async("And again")))
    except SwitchboardError as error:
        print(error.code, error.message, error.partial_text)
