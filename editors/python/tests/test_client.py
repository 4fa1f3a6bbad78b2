"""Tests of switchboard_client against the real daemon ($SWITCHBOARD_BIN) and the echo upstream
($OPENAI_BASE_URL): answers are "echo: <last user message>", streamed in 3-character pieces;
SLOW streams them 0.2 s apart; FAIL401 gets an upstream 401."""

import asyncio
import io
import os
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from switchboard_client import AsyncClient, Client, ConnectionLost, SwitchboardError, _read_message  # noqa: E402

BINARY = os.environ.get("SWITCHBOARD_BIN", "switchboard")
PNG = os.environ.get("SWITCHBOARD_TEST_PNG")


def user(text):
    return {"messages": [{"role": "user", "content": text}]}


def pieces_of(text):
    return [text[i:i + 3] for i in range(0, len(text), 3)]


def answer(result):
    return result["choices"][0]["message"]["content"]


class ClientTests(unittest.TestCase):
    def start(self, **options):
        client = Client(binary=BINARY, **options)
        self.addCleanup(client.close)
        return client

    def test_request_returns_the_result(self):
        client = self.start()
        models = client.request("models.list", timeout=30)
        self.assertEqual([m["id"] for m in models["data"]], ["gpt-4o-mini", "gpt-4o", "text-embedding-3-small", "whisper-1"])

    def test_initialize_layers_its_config(self):
        client = self.start()
        result = client.initialize(config={"default_model": "gpt-4o"}, timeout=30)
        self.assertEqual(result["protocol_version"], "1")
        self.assertIn("chat.complete", result["capabilities"]["methods"])
        config = client.request("config.get", timeout=30)
        self.assertEqual(config["default_model"], "gpt-4o")
        self.assertEqual(config["api_key"], "[redacted]")
        self.assertEqual(client.request("chat.complete", user("hi"), timeout=30)["model"], "gpt-4o")

    def test_stream_yields_every_piece_in_order_then_the_result(self):
        client = self.start()
        stream = client.stream_chat(user("the quick brown fox"))
        pieces = list(stream)
        self.assertEqual(pieces, pieces_of("echo: the quick brown fox"))
        result = stream.result
        self.assertEqual(result["object"], "chat.completion")
        self.assertEqual(answer(result), "echo: the quick brown fox")
        self.assertEqual(result["choices"][0]["finish_reason"], "stop")
        self.assertEqual(result["usage"]["completion_tokens"], len(pieces))

    def test_result_drains_an_unread_stream(self):
        client = self.start()
        self.assertEqual(answer(client.stream_chat(user("no loop")).result), "echo: no loop")

    def test_a_streamed_request_still_answers_with_the_assembled_completion(self):
        client = self.start()
        result = client.request("chat.complete", {**user("streamed"), "stream": True}, timeout=30)
        self.assertEqual(answer(result), "echo: streamed")

    def test_notifications_go_to_their_own_request_and_to_listeners(self):
        client = self.start()
        seen = []
        client.on_notification(lambda method, params: seen.append((method, params["request_id"])))
        first, second = client.stream_chat(user("first one")), client.stream_chat(user("second one"))
        self.assertEqual("".join(second), "echo: second one")
        self.assertEqual("".join(first), "echo: first one")
        deltas = [request_id for method, request_id in seen if method == "chat.delta"]
        self.assertEqual(sorted(set(deltas)), sorted([first.id, second.id]))
        # one role chunk, the pieces, one finish chunk per request
        self.assertEqual(deltas.count(first.id), len(pieces_of("echo: first one")) + 2)

    def test_upstream_401_raises_switchboard_error(self):
        client = self.start()
        with self.assertRaises(SwitchboardError) as caught:
            client.request("chat.complete", user("FAIL401"), timeout=30)
        error = caught.exception
        self.assertEqual(error.code, -32001)
        self.assertIn("401", error.message)
        self.assertEqual(error.data["status"], 401)
        self.assertEqual(error.data["error"]["code"], "invalid_api_key")
        self.assertNotIn("sk-", str(error))

    def test_a_failing_stream_raises_at_its_end(self):
        client = self.start()
        stream = client.stream_chat(user("FAIL401"))
        with self.assertRaises(SwitchboardError) as caught:
            list(stream)
        self.assertEqual(caught.exception.code, -32001)
        with self.assertRaises(SwitchboardError):
            stream.result

    def test_protocol_errors_keep_code_and_data(self):
        client = self.start()
        with self.assertRaises(SwitchboardError) as caught:
            client.request("no.such.method", timeout=30)
        self.assertEqual((caught.exception.code, caught.exception.data), (-32601, {"method": "no.such.method"}))
        with self.assertRaises(SwitchboardError) as caught:
            client.request("chat.complete", {"messages": "not a list"}, timeout=30)
        self.assertEqual(caught.exception.code, -32602)
        self.assertEqual(caught.exception.data["field"], "messages")

    def test_cancel_after_the_first_piece_ends_the_stream_with_32800(self):
        client = self.start()
        text = "SLOW " + "word " * 20  # about 40 pieces, 0.2 s apart: 8 s if not cancelled
        stream = client.stream_chat(user(text))
        received = []
        started = time.monotonic()
        with self.assertRaises(SwitchboardError) as caught:
            for piece in stream:
                received.append(piece)
                if len(received) == 1:
                    client.cancel(stream.id)
        self.assertLess(time.monotonic() - started, 4)
        self.assertEqual(caught.exception.code, -32800)
        self.assertEqual(caught.exception.data["reason"], "cancelled")
        self.assertGreaterEqual(len(received), 1)
        self.assertLess(len(received), len(pieces_of("echo: " + text)))
        self.assertEqual(received, pieces_of("echo: " + text)[: len(received)])
        self.assertTrue(caught.exception.partial_text.startswith("".join(received)))
        # the daemon keeps serving
        self.assertEqual(answer(client.request("chat.complete", user("after"), timeout=30)), "echo: after")

    def test_timeout_cancels_the_request(self):
        client = self.start()
        with self.assertRaises(TimeoutError):
            client.request("chat.complete", {**user("SLOW and long " * 3), "stream": True}, timeout=0.3)
        self.assertEqual(answer(client.request("chat.complete", user("still here"), timeout=30)), "echo: still here")

    def test_concurrent_streams_from_threads(self):
        client = self.start()
        outcomes = {}

        def run(n):
            stream = client.stream_chat(user(f"thread number {n} says hello"))
            outcomes[n] = ("".join(stream), answer(stream.result))

        threads = [threading.Thread(target=run, args=(n,)) for n in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        for n in range(8):
            expected = f"echo: thread number {n} says hello"
            self.assertEqual(outcomes[n], (expected, expected))

    @unittest.skipUnless(PNG, "SWITCHBOARD_TEST_PNG is not set")
    def test_agent_run_runs_a_client_tool_through_the_real_daemon(self):
        client = self.start()
        shout = {"type": "function", "function": {"name": "shout", "description": "Upper-cases text",
                                                   "parameters": {"type": "object", "properties": {"text": {"type": "string"}}}}}
        seen = []
        run = client.agent_run({"messages": [{"role": "user", "content": "TOOL please"}], "tools": [shout]},
                               on_execute=lambda request: request["arguments"]["text"].upper(),
                               on_tool_call=lambda params: seen.append(params["status"]))
        pieces = list(run)
        result = run.result
        self.assertEqual("".join(pieces), "echo: TOOL PLEASE")
        self.assertEqual(result["turns"], 2)
        self.assertEqual(result["messages"][1], {"role": "tool", "tool_call_id": "call_echo", "content": "TOOL PLEASE"})
        self.assertEqual(seen, ["pending", "running", "completed"])

    def test_describe_image(self):
        client = self.start()
        result = client.describe_image(PNG, timeout=30)
        self.assertEqual(result["text"], "echo: Describe this image. [1 image]")
        self.assertEqual(result["completion"]["model"], "gpt-4o")
        result = client.describe_image(os.path.relpath(PNG), "What is it?", detail="low", timeout=30)
        self.assertEqual(result["text"], "echo: What is it? [1 image]")

    def test_describe_image_missing_file_is_a_file_error(self):
        client = self.start()
        with self.assertRaises(SwitchboardError) as caught:
            client.describe_image("/nonexistent/picture.png", timeout=30)
        self.assertEqual(caught.exception.code, -32006)
        self.assertEqual(caught.exception.data["reason"], "not_found")

    def test_lsp_framing(self):
        client = self.start(framing="lsp")
        self.assertEqual("".join(client.stream_chat(user("framed"))), "echo: framed")
        self.assertEqual(client.request("models.list", timeout=30)["object"], "list")

    def test_close_shuts_the_daemon_down_cleanly(self):
        with Client(binary=BINARY) as client:
            client.request("models.list", timeout=30)
        self.assertEqual(client.process.returncode, 0)
        self.assertEqual(client.close(), 0)  # closing twice is harmless
        with self.assertRaises(ConnectionLost):
            client.request("models.list", timeout=5)

    def test_close_kills_a_daemon_that_does_not_answer(self):
        client = Client(binary="sh", args=("-c", "exec sleep 30"))
        started = time.monotonic()
        self.assertEqual(client.close(timeout=0.5), -9)
        self.assertLess(time.monotonic() - started, 5)

    def test_a_dying_daemon_fails_requests_in_flight(self):
        client = self.start()
        stream = client.stream_chat(user("SLOW " * 10))
        next(iter(stream))
        client.process.terminate()
        with self.assertRaises(SwitchboardError) as caught:
            list(stream)
        # SIGTERM: the daemon answers requests in flight with -32800 (reason "signal") and exits 143
        self.assertIn(caught.exception.code, (-32800, None))
        self.assertEqual(client.process.wait(10), 143)
        with self.assertRaises(ConnectionLost):
            client.request("models.list", timeout=5)


class FramingTests(unittest.TestCase):
    def test_read_message_detects_each_framing(self):
        body = '{"id":1,"result":"\u00e9"}'.encode()
        stream = io.BytesIO(b'{"id":0}\n\r\nContent-Length: %d\r\nX: y\r\n\r\n%s[{"id":2}]\n' % (len(body), body))
        self.assertEqual([_read_message(stream) for _ in range(4)], [{"id": 0}, {"id": 1, "result": "\u00e9"}, [{"id": 2}], None])
        self.assertIsNone(_read_message(io.BytesIO(b"Content-Length: 5\r\n")))
        with self.assertRaises(ValueError):
            _read_message(io.BytesIO(b"X: y\r\n\r\n{}"))


class AsyncClientTests(unittest.IsolatedAsyncioTestCase):
    async def asyncSetUp(self):
        self.client = AsyncClient(binary=BINARY)

    async def asyncTearDown(self):
        self.assertEqual(await self.client.close(), 0)
        self.assertIsNotNone(self.client.process.poll())

    async def test_request_and_initialize(self):
        await self.client.initialize(config={"default_model": "gpt-4o"}, timeout=30)
        self.assertEqual((await self.client.request("config.get", timeout=30))["default_model"], "gpt-4o")

    async def test_async_stream(self):
        stream = self.client.stream_chat(user("async pieces"))
        pieces = [piece async for piece in stream]
        self.assertEqual(pieces, pieces_of("echo: async pieces"))
        self.assertEqual(answer(stream.result), "echo: async pieces")

    async def test_concurrent_async_streams(self):
        async def run(n):
            stream = self.client.stream_chat(user(f"task {n}"))
            return "".join([piece async for piece in stream])

        texts = await asyncio.gather(*(run(n) for n in range(6)))
        self.assertEqual(texts, [f"echo: task {n}" for n in range(6)])

    async def test_async_error_and_cancel(self):
        with self.assertRaises(SwitchboardError) as caught:
            await self.client.request("chat.complete", user("FAIL401"))
        self.assertEqual(caught.exception.code, -32001)
        stream = self.client.stream_chat(user("SLOW " * 10))
        received = []
        with self.assertRaises(SwitchboardError) as caught:
            async for piece in stream:
                received.append(piece)
                stream.cancel()
        self.assertEqual(caught.exception.code, -32800)
        self.assertLess(len(received), len(pieces_of("echo: " + "SLOW " * 10)))

    async def test_async_describe_image(self):
        if not PNG:
            self.skipTest("SWITCHBOARD_TEST_PNG is not set")
        result = await self.client.describe_image(PNG, "Which colour?")
        self.assertEqual(result["text"], "echo: Which colour? [1 image]")


if __name__ == "__main__":
    unittest.main()
