"""The official MCP Python SDK's client against `switchboard --mcp`, in both eras.

Run by Tests/EndToEndTests/MCP/MCPSDKClientTests.swift with the SDK installed in a venv
(scripts/mcp-venv.sh) and these variables: SWITCHBOARD_BIN, OPENAI_BASE_URL and OPENAI_API_KEY
(the fake upstream, see MCPUpstream.swift), SWITCHBOARD_OUTPUT_DIR, SWITCHBOARD_TEST_PNG,
SWITCHBOARD_TEST_MP3 and SWITCHBOARD_TEST_LOG (the daemon's debug log). Each test spawns the
daemon through the SDK's stdio transport: `Modern` lets the client probe server/discover
(2026-07-28), `Legacy` forces the initialize handshake.
"""

import asyncio
import base64
import os
import unittest
from pathlib import Path
from urllib.parse import unquote, urlparse

from mcp.client.client import Client
from mcp.client.stdio import StdioServerParameters

ENV = os.environ
TOOLS = {"chat", "describe_image", "generate_image", "edit_image", "transcribe_audio", "text_to_speech",
         "create_embeddings", "midjourney", "list_models"}


def server(extra_args=()):
    env = {key: ENV[key] for key in ("OPENAI_BASE_URL", "OPENAI_API_KEY", "SWITCHBOARD_OUTPUT_DIR", "SWITCHBOARD_CONFIG", "PATH", "HOME",
                                     "TSAN_OPTIONS", "ASAN_OPTIONS", "LSAN_OPTIONS") if key in ENV}
    args = ["--mcp", "--log-level", "debug", "--log-file", ENV["SWITCHBOARD_TEST_LOG"], *extra_args]
    return StdioServerParameters(command=ENV["SWITCHBOARD_BIN"], args=args, env=env)


def texts(result):
    return [block.text for block in result.content if block.type == "text"]


def saved_path(link):
    path = unquote(urlparse(str(link.uri)).path)
    assert Path(path).is_relative_to(ENV["SWITCHBOARD_OUTPUT_DIR"]), path
    assert Path(path).is_file(), path
    return path


class Era:
    """The tests, run once per era by the subclasses below."""

    mode = "auto"
    version = ""

    def client(self, **options):
        return Client(server(), mode=self.mode, **options)

    async def test_handshake_negotiates_the_version_and_names_the_server(self):
        async with self.client() as client:
            self.assertEqual(client.session.protocol_version, self.version)
            self.assertEqual(client.session.server_info.name, "switchboard")
            self.assertIsNotNone(client.session.server_capabilities.tools)

    async def test_tools_are_listed_with_schemas_and_truthful_annotations(self):
        async with self.client() as client:
            tools = {tool.name: tool for tool in (await client.list_tools()).tools}
        self.assertEqual(set(tools), TOOLS)
        for name in ("chat", "describe_image", "transcribe_audio", "create_embeddings", "list_models"):
            self.assertTrue(tools[name].annotations.read_only_hint, name)
        for name in ("generate_image", "edit_image", "text_to_speech", "midjourney"):
            self.assertFalse(tools[name].annotations.read_only_hint, name)
            self.assertFalse(tools[name].annotations.destructive_hint, name)
        self.assertTrue(all(tool.annotations.open_world_hint for tool in tools.values()))
        chat = tools["chat"].input_schema
        self.assertEqual(chat["type"], "object")
        self.assertIn("prompt", chat["properties"])
        self.assertEqual(chat["properties"]["temperature"]["maximum"], 2, "the API's own option, from the OpenRPC schema")
        self.assertNotIn("output_dir", tools["generate_image"].input_schema["properties"])
        self.assertEqual(tools["chat"].output_schema["type"], "object")

    async def test_chat_answers_with_text_and_a_small_structured_result(self):
        async with self.client() as client:
            result = await client.call_tool("chat", {"prompt": "Say hi", "system": "Be brief", "temperature": 0.5})
        self.assertFalse(result.is_error)
        self.assertEqual(texts(result), ["echo: Say hi"])
        self.assertEqual(sorted(result.structured_content), ["model", "text", "usage"])
        self.assertEqual(result.structured_content["text"], "echo: Say hi")

    async def test_chat_with_a_progress_token_streams_the_text_as_progress(self):
        updates = []

        async def progress(value, total, message):
            updates.append((value, total, message))

        async with self.client() as client:
            result = await client.call_tool("chat", {"prompt": "Stream this answer"}, progress_callback=progress)
        answer = texts(result)[0]
        self.assertEqual(answer, "echo: Stream this answer")
        self.assertEqual("".join(message for _, _, message in updates), answer, "each message is the new text")
        values = [value for value, _, _ in updates]
        self.assertEqual(values, sorted(set(values)), "progress increases with every notification")
        self.assertEqual(values[-1], len(answer))

    async def test_describe_image_reads_a_local_file(self):
        async with self.client() as client:
            result = await client.call_tool("describe_image", {"image": ENV["SWITCHBOARD_TEST_PNG"], "question": "What is it?"})
        self.assertEqual(texts(result), ["echo: What is it? [1 image]"])
        self.assertEqual(result.structured_content["text"], "echo: What is it? [1 image]")

    async def test_generate_image_saves_under_the_output_folder_and_inlines_small_images(self):
        async with self.client() as client:
            result = await client.call_tool("generate_image", {"prompt": "a fox", "response_format": "b64_json"})
        self.assertFalse(result.is_error, texts(result))
        kinds = [block.type for block in result.content]
        self.assertEqual(kinds, ["text", "image", "resource_link"])
        image, link = result.content[1], result.content[2]
        self.assertEqual(image.mime_type, "image/png")
        self.assertEqual(base64.b64decode(image.data), Path(saved_path(link)).read_bytes())
        self.assertEqual(result.structured_content["data"][0]["path"], saved_path(link))
        self.assertNotIn("b64_json", result.structured_content["data"][0])

    async def test_a_large_image_comes_back_as_a_link_only(self):
        async with self.client() as client:
            result = await client.call_tool("edit_image", {"image": ENV["SWITCHBOARD_TEST_PNG"], "prompt": "make it BIG"})
        self.assertEqual([block.type for block in result.content], ["text", "resource_link"])
        self.assertGreater(Path(saved_path(result.content[1])).stat().st_size, 750_000)

    async def test_a_tool_cannot_be_told_to_write_elsewhere(self):
        async with self.client() as client:
            result = await client.call_tool("generate_image", {"prompt": "a fox", "output_dir": "/tmp"})
        self.assertTrue(result.is_error)
        self.assertIn("output folder", texts(result)[0])

    async def test_text_to_speech_returns_the_link_first_then_the_audio(self):
        async with self.client() as client:
            result = await client.call_tool("text_to_speech", {"input": "Hello", "voice": "alloy"})
        self.assertEqual([block.type for block in result.content], ["text", "resource_link", "resource"])
        link, audio = result.content[1], result.content[2].resource
        self.assertIn(str(link.uri), texts(result)[0])
        self.assertEqual(audio.mime_type, "audio/mpeg")
        self.assertEqual(str(audio.uri), str(link.uri))
        self.assertEqual(base64.b64decode(audio.blob), Path(saved_path(link)).read_bytes())
        self.assertEqual(result.structured_content["path"], saved_path(link))

    async def test_transcribe_audio_gives_the_text(self):
        async with self.client() as client:
            result = await client.call_tool("transcribe_audio", {"file": ENV["SWITCHBOARD_TEST_MP3"], "language": "en"})
        self.assertEqual(texts(result), ["hello from the recording"])

    async def test_create_embeddings_gives_the_vectors_as_structured_content(self):
        async with self.client() as client:
            result = await client.call_tool("create_embeddings", {"input": ["one", "two"]})
        self.assertEqual(len(result.structured_content["data"]), 2)
        self.assertIn("2 embedding(s) of 3 dimensions", texts(result)[0])

    async def test_list_models_lists_the_ids(self):
        async with self.client() as client:
            result = await client.call_tool("list_models", {})
        self.assertEqual(texts(result), ["gpt-4o\ngpt-4o-mini"])

    async def test_midjourney_waits_and_reports_progress(self):
        updates = []

        async def progress(value, total, message):
            updates.append((value, total, message))

        async with self.client() as client:
            result = await client.call_tool("midjourney", {"operation": "imagine", "prompt": "a red fox in snow",
                                                           "poll_interval_seconds": 0.1}, progress_callback=progress)
        self.assertFalse(result.is_error, texts(result))
        self.assertEqual(result.structured_content["task"]["status"], "SUCCESS")
        self.assertIn("image: https://cdn.example.com/fox.png", texts(result)[0])
        self.assertIn("MJ::JOB::upsample::1::abc", texts(result)[0])
        self.assertEqual([value for value, _, _ in updates], [0, 40, 100])
        self.assertTrue(all(total == 100 for _, total, _ in updates))
        self.assertRegex(updates[1][2], r"^IN_PROGRESS \(task task-\d+\)$")

    async def test_an_upstream_401_is_a_tool_error_the_model_can_read(self):
        async with self.client() as client:
            result = await client.call_tool("chat", {"prompt": "Hi", "model": "unauthorized-model"})
        self.assertTrue(result.is_error)
        self.assertIn("upstream HTTP 401: Incorrect API key provided", texts(result)[0])
        self.assertIn("check the API key", texts(result)[0])
        self.assertNotIn(ENV["OPENAI_API_KEY"], texts(result)[0])

    async def test_a_missing_argument_is_a_tool_error(self):
        async with self.client() as client:
            result = await client.call_tool("chat", {"model": "gpt-4o"})
        self.assertTrue(result.is_error)
        self.assertIn("prompt", texts(result)[0])

    async def test_cancelling_a_call_stops_it_and_the_server_goes_on(self):
        log = Path(ENV["SWITCHBOARD_TEST_LOG"])
        before = log.read_text().count("cancelled; no response is sent") if log.exists() else 0
        async with self.client() as client:
            call = asyncio.create_task(client.call_tool("chat", {"prompt": "STALL please"}))
            await asyncio.sleep(0.5)
            call.cancel()
            with self.assertRaises(asyncio.CancelledError):
                await call
            result = await client.call_tool("list_models", {})
            self.assertFalse(result.is_error)
            for _ in range(100):
                if log.read_text().count("cancelled; no response is sent") > before:
                    break
                await asyncio.sleep(0.05)
        self.assertIn("cancelled by the client", log.read_text())
        self.assertGreater(log.read_text().count("cancelled; no response is sent"), before)


class Modern(Era, unittest.IsolatedAsyncioTestCase):
    mode = "auto"
    version = "2026-07-28"

    async def test_log_messages_come_for_requests_that_ask_for_them(self):
        messages = []

        async def on_log(params):
            messages.append(params)

        async with self.client(log_level="debug", logging_callback=on_log) as client:
            await client.call_tool("list_models", {})
        self.assertTrue(any("calling models.list" in str(message.data) for message in messages), messages)
        async with self.client(logging_callback=on_log) as client:
            before = len(messages)
            await client.call_tool("list_models", {})
        self.assertEqual(len(messages), before, "no level asked for: no log messages")


class Legacy(Era, unittest.IsolatedAsyncioTestCase):
    mode = "legacy"
    version = "2025-11-25"

    async def test_ping_and_set_level(self):
        messages = []

        async def on_log(params):
            messages.append(params)

        async with self.client(logging_callback=on_log) as client:
            await client.send_ping()
            await client.call_tool("list_models", {})
            self.assertEqual(messages, [], "no level set yet: no log messages")
            await client.set_logging_level("debug")
            await client.call_tool("list_models", {})
        self.assertTrue(any("calling models.list" in str(message.data) for message in messages), messages)


if __name__ == "__main__":
    unittest.main(verbosity=2)
