"""Tests of agent_run and tools_list against tests/fake_agent_daemon.py, a scripted daemon speaking
agent.run's wire contract: deltas, tool.call notifications, the daemon's tool.approve and
tool.execute requests and the client's answers to them, -32601 for requests nobody handles, and
cancellation both ways."""

import asyncio
import os
import sys
import threading
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

from switchboard_client import AsyncClient, Client, SwitchboardError  # noqa: E402

FAKE = [os.path.join(HERE, "fake_agent_daemon.py")]


def run_of(scenario):
    return {"messages": [{"role": "user", "content": scenario}], "tools": [{"type": "function", "function": {"name": "read_file"}}]}


class AgentRunTests(unittest.TestCase):
    def start(self):
        client = Client(binary=sys.executable, args=FAKE)
        self.addCleanup(client.close)
        return client

    def test_callbacks_answer_the_daemons_requests_and_see_every_tool_call(self):
        client = self.start()
        approvals, executions, calls = [], [], []

        def approve(request):
            approvals.append((request.method, request.id, dict(request), threading.current_thread()))
            return request["server"] == "time"

        def execute(request):
            executions.append(dict(request))
            return "line one\nline two"

        run = client.agent_run(run_of("TOOLS"), on_approve=approve, on_execute=execute,
                               on_tool_call=lambda params: calls.append((params["call_id"], params["status"])))
        pieces = list(run)
        result = run.result
        self.assertEqual(pieces, ["Let me look. ", "Done."])
        self.assertEqual(result["x_params"]["stream"], True)
        self.assertEqual(result["x_params"]["tools"][0]["function"]["name"], "read_file")
        self.assertEqual(approvals, [("tool.approve", "sb-1", {"request_id": run.id, "call_id": "call_1", "name": "time__get_current_time",
                                                               "server": "time", "arguments": {"timezone": "Europe/Paris"}},
                                      threading.current_thread())])
        self.assertEqual(executions, [{"request_id": run.id, "call_id": "call_2", "name": "read_file", "arguments": {"path": "notes.txt"}}])
        self.assertEqual(result["x_answers"], {"approve": {"jsonrpc": "2.0", "id": "sb-1", "result": {"approved": True}},
                                               "execute": {"jsonrpc": "2.0", "id": "sb-2", "result": {"content": "line one\nline two"}}})
        self.assertEqual(calls, [("call_1", "pending"), ("call_1", "running"), ("call_1", "completed"),
                                 ("call_2", "pending"), ("call_2", "running"), ("call_2", "completed")])
        self.assertEqual([m["role"] for m in result["messages"]], ["assistant", "tool", "tool", "assistant"])
        self.assertEqual(result["turns"], 2)

    def test_a_refusal_and_a_failing_tool_are_answers_not_errors(self):
        client = self.start()

        def execute(request):
            raise FileNotFoundError("notes.txt: no such file")

        result = client.agent_run(run_of("TOOLS"), on_approve=lambda request: False, on_execute=execute).result
        self.assertEqual(result["x_answers"]["approve"]["result"], {"approved": False})
        self.assertEqual(result["x_answers"]["execute"]["result"], {"content": "notes.txt: no such file", "is_error": True})
        self.assertEqual(result["messages"][1]["content"], "denied: the user did not allow this call")

    def test_content_parts_and_whole_answers_go_as_given(self):
        client = self.start()
        parts = [{"type": "text", "text": "a"}, {"type": "text", "text": "b"}]
        result = client.agent_run(run_of("TOOLS"), on_approve=lambda request: True, on_execute=lambda request: parts).result
        self.assertEqual(result["x_answers"]["execute"]["result"], {"content": parts})
        answer = {"content": "partial output", "is_error": True}
        result = client.agent_run(run_of("TOOLS"), on_approve=lambda request: True, on_execute=lambda request: answer).result
        self.assertEqual(result["x_answers"]["execute"]["result"], answer)

    def test_without_callbacks_the_requests_are_answered_method_not_found(self):
        client = self.start()
        result = client.agent_run(run_of("TOOLS")).result
        for daemon_id, callback in (("approve", "on_approve"), ("execute", "on_execute")):
            error = result["x_answers"][daemon_id]["error"]
            self.assertEqual(error["code"], -32601)
            self.assertIn(callback, error["message"])

    def test_unknown_requests_and_requests_for_no_run_are_answered_method_not_found(self):
        client = self.start()
        result = client.agent_run(run_of("UNKNOWN"), on_execute=lambda request: "never").result
        self.assertEqual(result["x_answers"]["unknown"]["error"]["code"], -32601)
        self.assertEqual(result["x_answers"]["unknown"]["error"]["data"], {"method": "tool.unknown"})
        self.assertEqual(result["x_answers"]["stray"]["error"]["code"], -32601)

    def test_the_daemons_cancel_sets_the_event_and_no_answer_is_sent(self):
        client = self.start()
        seen = {}

        def execute(request):
            seen["cancelled"] = request.cancelled.wait(5)
            return "too late"

        started = time.monotonic()
        result = client.agent_run(run_of("CANCEL"), on_execute=execute).result
        self.assertTrue(seen["cancelled"])
        self.assertLess(time.monotonic() - started, 4)
        self.assertEqual(result["x_answers"], {"execute": None})

    def test_leaving_the_stream_cancels_the_run(self):
        client = self.start()
        run = client.agent_run(run_of("SLOW"))
        for piece in run:
            self.assertEqual(piece, "Thinking")
            break
        with self.assertRaises(SwitchboardError) as raised:
            run.result
        self.assertEqual(raised.exception.code, -32800)
        self.assertEqual(client.request("fake.cancels", timeout=10), [run.id])

    def test_tools_list_sends_its_filters(self):
        client = self.start()
        listed = client.tools_list(["time"], profile="local", timeout=10)
        self.assertEqual([tool["name"] for tool in listed["tools"]], ["time__get_current_time"])
        self.assertEqual(listed["x_params"], {"mcp_servers": ["time"], "profile": "local"})
        self.assertEqual(client.tools_list(timeout=10)["x_params"], {})


class AsyncAgentRunTests(unittest.IsolatedAsyncioTestCase):
    async def asyncSetUp(self):
        self.client = AsyncClient(binary=sys.executable, args=FAKE)

    async def asyncTearDown(self):
        await self.client.close()

    async def test_coroutine_callbacks_answer_and_deltas_stream(self):
        async def approve(request):
            await asyncio.sleep(0.01)
            return True

        async def execute(request):
            return f"read {request['arguments']['path']}"

        calls = []
        run = self.client.agent_run(run_of("TOOLS"), on_approve=approve, on_execute=execute,
                                    on_tool_call=lambda params: calls.append(params["status"]))
        pieces = [piece async for piece in run]
        self.assertEqual(pieces, ["Let me look. ", "Done."])
        self.assertEqual(run.result["x_answers"]["approve"]["result"], {"approved": True})
        self.assertEqual(run.result["x_answers"]["execute"]["result"], {"content": "read notes.txt"})
        self.assertEqual(calls.count("completed"), 2)

    async def test_plain_functions_work_too(self):
        run = self.client.agent_run(run_of("TOOLS"), on_approve=lambda request: False, on_execute=lambda request: "x")
        result = await run.wait(10)
        self.assertEqual(result["x_answers"]["approve"]["result"], {"approved": False})
        self.assertEqual(result["x_answers"]["execute"]["result"], {"content": "x"})

    async def test_the_daemons_cancel_cancels_the_callbacks_task(self):
        outcome = {}

        async def execute(request):
            try:
                await asyncio.sleep(5)
            except asyncio.CancelledError:
                outcome["cancelled"] = request.cancelled.is_set()
                raise
            return "too late"

        result = await self.client.agent_run(run_of("CANCEL"), on_execute=execute).wait(10)
        self.assertEqual(outcome, {"cancelled": True})
        self.assertEqual(result["x_answers"], {"execute": None})

    async def test_task_cancel_cancels_the_run(self):
        run = self.client.agent_run(run_of("SLOW"))
        waiting = asyncio.ensure_future(run.wait())
        await asyncio.sleep(0.3)
        waiting.cancel()
        with self.assertRaises(asyncio.CancelledError):
            await waiting
        self.assertEqual(await self.client.request("fake.cancels", timeout=10), [run.id])

    async def test_tools_list(self):
        listed = await self.client.tools_list(profile="local")
        self.assertEqual(listed["servers"], [{"name": "time", "status": "ready"}])
        self.assertEqual(listed["x_params"], {"profile": "local"})


if __name__ == "__main__":
    unittest.main()
