"""A user's script, as the README shows them: `mypy --strict` must accept it (see test_typing.py)."""

import asyncio
from typing import Any, Dict, List

from switchboard_client import AsyncClient, Client, SwitchboardError, ToolRequest


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


def act(question: str) -> List[Dict[str, Any]]:
    def approve(request: ToolRequest) -> bool:
        return input(f"run {request['name']} {request['arguments']}? [y/N] ") == "y"

    def execute(request: ToolRequest) -> str:
        if request.cancelled.is_set():
            return ""
        with open(str(request["arguments"]["path"])) as file:
            return file.read()

    def show(params: Dict[str, Any]) -> None:
        print(params["name"], params["status"])

    with Client() as client:
        tools = client.tools_list(["time"])
        print([tool["name"] for tool in tools["tools"]])
        run = client.agent_run({"messages": [{"role": "user", "content": question}]},
                               on_approve=approve, on_execute=execute, on_tool_call=show)
        for piece in run:
            print(piece, end="")
        messages: List[Dict[str, Any]] = run.result["messages"]
        return messages


async def act_async(question: str) -> int:
    async def approve(request: ToolRequest) -> bool:
        await asyncio.sleep(0)
        return request.get("server") == "time"

    async with AsyncClient() as client:
        run = client.agent_run({"messages": [{"role": "user", "content": question}]}, on_approve=approve,
                               on_execute=lambda request: [{"type": "text", "text": "ok"}])
        async for piece in run:
            print(piece, end="")
        turns: int = (await run.wait())["turns"]
        await client.tools_list(profile="local")
        return turns


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
        print(act("What time is it?"), asyncio.run(act_async("And now?")))
    except SwitchboardError as error:
        print(error.code, error.message, error.partial_text)
