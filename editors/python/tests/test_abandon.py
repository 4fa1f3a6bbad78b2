"""Leaving a stream early cancels the request in the daemon, so the upstream stops streaming (and
billing) at once, not when the client closes: each test checks that the echo upstream saw the
stream's connection close while the client was still open. The answers are SLOW: 0.2 s a piece,
well over 10 s for the whole stream."""

import asyncio
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import upstream  # noqa: E402
from switchboard_client import AsyncClient, Client, ConnectionLost, SwitchboardError  # noqa: E402

BINARY = os.environ.get("SWITCHBOARD_BIN", "switchboard")
LONG = {"messages": [{"role": "user", "content": "SLOW " + "word " * 12}]}


def connections():
    return upstream.log()["open_connections"]


class AbandonTests(unittest.TestCase):
    def setUp(self):
        self.client = Client(binary=BINARY)
        self.addCleanup(self.client.close)

    def assert_upstream_stopped(self):
        self.assertTrue(upstream.wait_until(lambda: connections() == 0, 10), "the upstream is still streaming")
        self.assertIsNone(self.client.process.poll(), "the daemon should still run")

    def test_breaking_out_of_a_stream_cancels_it(self):
        stream = self.client.stream_chat(LONG)
        for piece in stream:
            self.assertEqual(piece, "ech")
            self.assertGreaterEqual(connections(), 1)
            break
        self.assert_upstream_stopped()
        with self.assertRaises(SwitchboardError) as caught:
            stream.result
        self.assertEqual(caught.exception.code, -32800)
        self.assertEqual(self.client.request("chat.complete", {"messages": [{"role": "user", "content": "on"}]}, timeout=30)["choices"][0]["message"]["content"], "echo: on")

    def test_wait_timing_out_cancels_it(self):
        call = self.client.stream_chat(LONG)
        with self.assertRaises(TimeoutError):
            call.wait(timeout=0.5)
        self.assert_upstream_stopped()

    def test_a_missing_binary_is_connection_lost(self):
        with self.assertRaises(ConnectionLost) as caught:
            Client(binary="/nonexistent/switchboard")
        self.assertIn("/nonexistent/switchboard", str(caught.exception))


class AsyncAbandonTests(unittest.IsolatedAsyncioTestCase):
    async def asyncSetUp(self):
        self.client = AsyncClient(binary=BINARY)

    async def asyncTearDown(self):
        await self.client.close()

    async def assert_upstream_stopped(self):
        stopped = await asyncio.to_thread(upstream.wait_until, lambda: connections() == 0, 10)
        self.assertTrue(stopped, "the upstream is still streaming")
        self.assertIsNone(self.client.process.poll(), "the daemon should still run")

    async def test_breaking_out_of_an_async_stream_cancels_it(self):
        async for piece in self.client.stream_chat(LONG):
            self.assertEqual(piece, "ech")
            break
        await self.assert_upstream_stopped()

    async def test_cancelling_the_task_cancels_it(self):
        first = asyncio.Event()

        async def consume():
            async for _ in self.client.stream_chat(LONG):
                first.set()

        task = asyncio.create_task(consume())
        await asyncio.wait_for(first.wait(), 10)
        task.cancel()
        with self.assertRaises(asyncio.CancelledError):
            await task
        await self.assert_upstream_stopped()

    async def test_wait_for_timing_out_cancels_it(self):
        with self.assertRaises(asyncio.TimeoutError):
            await asyncio.wait_for(self.client.request("chat.complete", {**LONG, "stream": True}), 0.5)
        await self.assert_upstream_stopped()


if __name__ == "__main__":
    unittest.main()
