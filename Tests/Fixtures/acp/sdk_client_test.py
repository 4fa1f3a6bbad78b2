"""The official ACP Python SDK (agent-client-protocol) as the editor, driving `switchboard --acp`
against the fake upstream that Tests/EndToEndTests/ACP/ACPSDKClientTests.swift starts.

The upstream's answers are chosen by the last user message (see ACPUpstream.swift): "hello"
streams a greeting, "read notes.txt" makes the model call read_text_file, "write out.txt" calls
write_text_file, "read outside" asks for /etc/hostname, "history" echoes the earlier prompts,
"slow" streams slowly (to be cancelled), "refuse" refuses, "fail" calls a tool and then the upstream
fails, "long" stops at the token limit.

The daemons share one conversation store (XDG_DATA_HOME under SWITCHBOARD_TEST_DIR): ACPStoredSessionTests
restart the agent, load and list sessions, and continue a conversation a JSON-RPC client started.

Environment: SWITCHBOARD_BIN, OPENAI_BASE_URL, OPENAI_API_KEY, SWITCHBOARD_TEST_DIR (a folder the
tests may write in), SWITCHBOARD_TEST_TRANSCRIPT (optional: where the "write" test's messages go).
"""

import asyncio
import json
import os
import unittest
from datetime import datetime, timezone

from acp import (
    PROTOCOL_VERSION,
    RequestError,
    embedded_text_resource,
    image_block,
    resource_block,
    resource_link_block,
    spawn_agent_process,
    text_block,
)
from acp.schema import (
    AllowedOutcome,
    ClientCapabilities,
    CreateTerminalResponse,
    KillTerminalResponse,
    ReleaseTerminalResponse,
    TerminalOutputResponse,
    WaitForTerminalExitResponse,
    DeniedOutcome,
    EnvVariable,
    FileSystemCapabilities,
    HttpHeader,
    HttpMcpServer,
    McpServerStdio,
    ReadTextFileResponse,
    RequestPermissionResponse,
    WriteTextFileResponse,
)

BIN = os.environ["SWITCHBOARD_BIN"]
FOLDER = os.environ["SWITCHBOARD_TEST_DIR"]


class Editor:
    """An editor that keeps every update, reads and writes real files, and answers permission
    requests with the option ids queued in `answers` (a request with none queued is cancelled)."""

    def __init__(self):
        self.updates = []
        self.permissions = []
        self.answers = []
        self.reads = []
        self.writes = []
        self.terminals = {}
        self.terminal_calls = []

    async def request_permission(self, session_id, tool_call, options, **kwargs):
        self.permissions.append((tool_call, [option.option_id for option in options]))
        if not self.answers:
            return RequestPermissionResponse(outcome=DeniedOutcome(outcome="cancelled"))
        if self.answers[0] == "wait":
            await asyncio.sleep(3600)
        return RequestPermissionResponse(outcome=AllowedOutcome(outcome="selected", option_id=self.answers.pop(0)))

    async def session_update(self, session_id, update, **kwargs):
        self.updates.append(update)

    async def read_text_file(self, session_id, path, line=None, limit=None, **kwargs):
        self.reads.append(path)
        with open(path, encoding="utf-8") as handle:
            return ReadTextFileResponse(content=handle.read())

    async def write_text_file(self, session_id, path, content, **kwargs):
        self.writes.append(path)
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(content)
        return WriteTextFileResponse()

    async def create_terminal(self, session_id, command, args=None, env=None, cwd=None, output_byte_limit=None, **kwargs):
        terminal_id = "term_%d" % (len(self.terminals) + 1)
        self.terminal_calls.append(("create", command, args, cwd, output_byte_limit))
        process = await asyncio.create_subprocess_exec(command, *(args or []), cwd=cwd, stdout=asyncio.subprocess.PIPE,
                                                       stderr=asyncio.subprocess.STDOUT)
        self.terminals[terminal_id] = process
        return CreateTerminalResponse(terminal_id=terminal_id)

    async def wait_for_terminal_exit(self, session_id, terminal_id, **kwargs):
        self.terminal_calls.append(("wait", terminal_id))
        code = await self.terminals[terminal_id].wait()
        return WaitForTerminalExitResponse(exit_code=code if code >= 0 else None, signal=None if code >= 0 else "SIGKILL")

    async def terminal_output(self, session_id, terminal_id, **kwargs):
        self.terminal_calls.append(("output", terminal_id))
        output = (await self.terminals[terminal_id].stdout.read()).decode()
        return TerminalOutputResponse(output=output, truncated=False)

    async def kill_terminal(self, session_id, terminal_id, **kwargs):
        self.terminal_calls.append(("kill", terminal_id))
        self.terminals[terminal_id].kill()
        return KillTerminalResponse()

    async def release_terminal(self, session_id, terminal_id, **kwargs):
        self.terminal_calls.append(("release", terminal_id))
        return ReleaseTerminalResponse()

    def text(self, kind="agent_message_chunk"):
        return "".join(u.content.text for u in self.updates if u.session_update == kind)

    def tool_updates(self):
        return [u for u in self.updates if u.session_update in ("tool_call", "tool_call_update")]


def environment():
    env = {key: os.environ[key] for key in ("PATH", "HOME", "OPENAI_BASE_URL", "OPENAI_API_KEY") if key in os.environ}
    env["SWITCHBOARD_LOG_LEVEL"] = "debug"
    env["XDG_DATA_HOME"] = os.path.join(FOLDER, "data")
    return env


class ACPSessionTests(unittest.IsolatedAsyncioTestCase):
    async def asyncSetUp(self):
        self.editor = Editor()
        self.messages = []

        def observe(event):
            self.messages.append((event.direction.value, event.message))

        self.log = os.path.join(FOLDER, "daemon-%s.log" % self._testMethodName)
        self.spawned = spawn_agent_process(self.editor, BIN, "--acp", "--log-file", self.log, env=environment(), cwd=FOLDER,
                                           observers=[observe])
        self.conn, self.process = await self.spawned.__aenter__()
        self.initialized = await self.conn.initialize(
            protocol_version=PROTOCOL_VERSION,
            client_capabilities=ClientCapabilities(fs=FileSystemCapabilities(read_text_file=True, write_text_file=True), terminal=True),
        )
        self.session = await self.conn.new_session(cwd=FOLDER, mcp_servers=[])

    async def asyncTearDown(self):
        await self.spawned.__aexit__(None, None, None)

    async def prompt(self, text):
        return await asyncio.wait_for(self.conn.prompt(session_id=self.session.session_id, prompt=[text_block(text)]), 30)

    async def test_initialize_says_what_the_agent_does(self):
        result = self.initialized
        self.assertEqual(result.protocol_version, 1)
        self.assertEqual(result.agent_info.name, "switchboard")
        capabilities = result.agent_capabilities
        self.assertTrue(capabilities.load_session)
        self.assertIsNotNone(capabilities.session_capabilities.list)
        self.assertTrue(capabilities.prompt_capabilities.image)
        self.assertTrue(capabilities.prompt_capabilities.embedded_context)
        self.assertTrue(capabilities.mcp_capabilities.http)
        self.assertIsNotNone(capabilities.session_capabilities.close)
        self.assertIn("OPENAI_API_KEY", result.auth_methods[0].description)
        self.assertEqual((await self.conn.authenticate(method_id="switchboard-config")).field_meta, None)

    async def test_the_model_picker_lists_the_upstreams_models_and_switches(self):
        options = {option.id: option for option in self.session.config_options}
        picker = options["model"]
        self.assertEqual(picker.category, "model")
        self.assertEqual(picker.current_value, "gpt-4o-mini")
        self.assertEqual([o.value for o in picker.options], ["gpt-4o", "gpt-4o-mini", "gpt-5.1", "o3-mini"])
        self.assertNotIn("reasoning_effort", options, "gpt-4o-mini takes no reasoning effort")
        changed = await self.conn.set_config_option(config_id="model", session_id=self.session.session_id, value="o3-mini")
        options = {option.id: option for option in changed.config_options}
        self.assertEqual(options["model"].current_value, "o3-mini")
        self.assertEqual([o.value for o in options["reasoning_effort"].options], ["default", "low", "medium", "high"])
        await self.conn.set_config_option(config_id="reasoning_effort", session_id=self.session.session_id, value="high")
        self.assertEqual((await self.prompt("hello")).stop_reason, "end_turn")
        self.assertIn("model=o3-mini effort=high", self.editor.text())
        with self.assertRaises(Exception):
            await self.conn.set_config_option(config_id="model", session_id=self.session.session_id, value="no-such-model")

    async def test_a_prompt_streams_message_chunks(self):
        response = await self.prompt("hello")
        self.assertEqual(response.stop_reason, "end_turn")
        chunks = [u.content.text for u in self.editor.updates if u.session_update == "agent_message_chunk"]
        self.assertGreater(len(chunks), 2, "streamed in pieces")
        self.assertTrue(self.editor.text().startswith("Hello from the relay."))
        self.assertIn("thinking about hello", self.editor.text("agent_thought_chunk"))

    async def test_a_file_is_read_through_the_editor(self):
        with open(os.path.join(FOLDER, "notes.txt"), "w", encoding="utf-8") as handle:
            handle.write("the secret word is pineapple")
        response = await self.prompt("read notes.txt")
        self.assertEqual(response.stop_reason, "end_turn")
        self.assertEqual(self.editor.reads, [os.path.join(FOLDER, "notes.txt")])
        self.assertIn("pineapple", self.editor.text())
        tools = self.editor.tool_updates()
        self.assertEqual(tools[0].session_update, "tool_call")
        self.assertEqual((tools[0].kind, tools[0].status, tools[0].title), ("read", "pending", "Read notes.txt"))
        self.assertEqual(tools[-1].status, "completed")
        self.assertEqual(self.editor.permissions, [], "reading asks no permission")

    async def test_a_permitted_write_is_shown_as_a_diff(self):
        target = os.path.join(FOLDER, "out.txt")
        with open(target, "w", encoding="utf-8") as handle:
            handle.write("old text\n")
        self.editor.answers = ["allow_always"]
        response = await self.prompt("write out.txt")
        self.assertEqual(response.stop_reason, "end_turn")
        with open(target, encoding="utf-8") as handle:
            self.assertEqual(handle.read(), "new text\n")
        call, options = self.editor.permissions[0]
        self.assertEqual(options, ["allow_once", "allow_always", "reject_once"])
        self.assertEqual(call.kind, "edit")
        diff = call.content[0]
        self.assertEqual((diff.type, diff.path, diff.old_text, diff.new_text), ("diff", target, "old text\n", "new text\n"))
        tools = self.editor.tool_updates()
        self.assertTrue(any(u.content and u.content[0].type == "diff" for u in tools), "the diff is shown in the tool call")
        self.assertEqual(tools[-1].status, "completed")
        # "Always" is remembered for the session: the next write asks nothing.
        self.assertEqual((await self.prompt("write out.txt")).stop_reason, "end_turn")
        self.assertEqual(len(self.editor.permissions), 1)
        self.assertEqual(len(self.editor.writes), 2)
        transcript = os.environ.get("SWITCHBOARD_TEST_TRANSCRIPT")
        if transcript:
            with open(transcript, "w", encoding="utf-8") as handle:
                for direction, message in self.messages:
                    handle.write(("--> " if direction == "outgoing" else "<-- ") + json.dumps(message) + "\n")

    async def test_a_refused_write_changes_nothing(self):
        target = os.path.join(FOLDER, "out.txt")
        with open(target, "w", encoding="utf-8") as handle:
            handle.write("keep me\n")
        self.editor.answers = ["reject_once"]
        response = await self.prompt("write out.txt")
        self.assertEqual(response.stop_reason, "end_turn")
        with open(target, encoding="utf-8") as handle:
            self.assertEqual(handle.read(), "keep me\n")
        self.assertEqual(self.editor.writes, [])
        self.assertEqual(self.editor.tool_updates()[-1].status, "failed")
        self.assertIn("refused", self.editor.text())

    async def test_paths_outside_the_session_folders_are_refused(self):
        response = await self.prompt("read outside")
        self.assertEqual(response.stop_reason, "end_turn")
        self.assertEqual(self.editor.reads, [], "the editor was never asked")
        self.assertEqual(self.editor.tool_updates()[-1].status, "failed")
        self.assertIn("could not be run", self.editor.text())
        self.assertIn("/etc/hostname", self.editor.text())

    async def test_the_conversation_is_kept_across_prompts(self):
        await self.prompt("hello")
        await self.prompt("history")
        self.assertIn("earlier: hello", self.editor.text())
        self.assertIn("assistant said: Hello from the relay.", self.editor.text())

    async def test_cancel_mid_stream_answers_cancelled(self):
        task = asyncio.ensure_future(self.prompt("slow"))
        while "slow-1" not in self.editor.text():
            await asyncio.sleep(0.02)
        await self.conn.cancel(session_id=self.session.session_id)
        response = await task
        self.assertEqual(response.stop_reason, "cancelled")
        self.assertNotIn("slow-9", self.editor.text())
        # The session goes on.
        self.assertEqual((await self.prompt("hello")).stop_reason, "end_turn")

    async def test_cancel_while_asking_permission_withdraws_the_request(self):
        self.editor.answers = ["wait"]
        task = asyncio.ensure_future(self.prompt("write out.txt"))
        while not self.editor.permissions:
            await asyncio.sleep(0.02)
        await self.conn.cancel(session_id=self.session.session_id)
        self.assertEqual((await task).stop_reason, "cancelled")
        asked = [m for d, m in self.messages if d == "incoming" and m.get("method") == "session/request_permission"]
        withdrawn = [m for d, m in self.messages if d == "incoming" and m.get("method") == "$/cancel_request"]
        self.assertEqual([m["params"] for m in withdrawn], [{"requestId": asked[0]["id"]}])
        self.assertEqual(self.editor.writes, [])

    async def test_a_command_runs_in_the_editors_terminal_once_allowed(self):
        self.editor.answers = ["allow_once"]
        self.assertEqual((await self.prompt("run echo")).stop_reason, "end_turn")
        call, _ = self.editor.permissions[0]
        self.assertEqual((call.kind, call.title), ("execute", "Run sh -c echo built; exit 3"))
        self.assertEqual(self.editor.terminal_calls[0], ("create", "sh", ["-c", "echo built; exit 3"], FOLDER, 65536))
        self.assertEqual([c[0] for c in self.editor.terminal_calls], ["create", "wait", "output", "release"])
        tools = self.editor.tool_updates()
        self.assertTrue(any(u.content and u.content[0].type == "terminal" and u.content[0].terminal_id == "term_1" for u in tools))
        self.assertEqual(tools[-1].status, "failed", "exit code 3")
        self.assertIn("sh exit code 3:\nbuilt", self.editor.text())

    async def test_a_refused_command_does_not_run(self):
        self.editor.answers = ["reject_once"]
        self.assertEqual((await self.prompt("run echo")).stop_reason, "end_turn")
        self.assertEqual(self.editor.terminal_calls, [])
        self.assertIn("refused to run", self.editor.text())

    async def test_cancel_kills_and_releases_a_running_command(self):
        self.editor.answers = ["allow_once"]
        task = asyncio.ensure_future(self.prompt("run sleep"))
        while not any(c[0] == "wait" for c in self.editor.terminal_calls):
            await asyncio.sleep(0.02)
        await self.conn.cancel(session_id=self.session.session_id)
        self.assertEqual((await task).stop_reason, "cancelled")
        for _ in range(100):
            if ("release", "term_1") in self.editor.terminal_calls:
                break
            await asyncio.sleep(0.02)
        self.assertIn(("kill", "term_1"), self.editor.terminal_calls)
        self.assertIn(("release", "term_1"), self.editor.terminal_calls)

    async def test_a_model_that_refuses_stops_with_refusal(self):
        response = await self.prompt("refuse")
        self.assertEqual(response.stop_reason, "refusal")
        self.assertIn("I can't help with that.", self.editor.text())
        # A refused prompt is not kept in the conversation.
        await self.prompt("history")
        self.assertNotIn("earlier: refuse", self.editor.text())

    async def test_an_upstream_error_mid_turn_ends_the_turn_with_a_message(self):
        with open(os.path.join(FOLDER, "notes.txt"), "w", encoding="utf-8") as handle:
            handle.write("some notes")
        response = await self.prompt("fail")
        self.assertEqual(response.stop_reason, "end_turn")
        self.assertIn("The turn ended early", self.editor.text())
        self.assertIn("the upstream is overloaded", self.editor.text())
        self.assertEqual((await self.prompt("hello")).stop_reason, "end_turn", "the session survives")

    async def test_the_token_limit_stops_with_max_tokens(self):
        self.assertEqual((await self.prompt("long")).stop_reason, "max_tokens")

    async def test_the_turn_limit_stops_with_max_turn_requests(self):
        with open(os.path.join(FOLDER, "notes.txt"), "w", encoding="utf-8") as handle:
            handle.write("again")
        self.assertEqual((await self.prompt("loop")).stop_reason, "max_turn_requests")
        self.assertEqual(len(self.editor.reads), 24, "25 model turns, the last one's call not run")
        # The conversation stays one the API takes: the next prompt goes through.
        self.assertEqual((await self.prompt("hello")).stop_reason, "end_turn")

    async def test_images_and_resources_reach_the_model(self):
        response = await asyncio.wait_for(self.conn.prompt(session_id=self.session.session_id, prompt=[
            text_block("look"),
            image_block("iVBORw0KGgo=", "image/png"),
            resource_block(embedded_text_resource("file:///project/a.txt", "alpha beta")),
            resource_link_block("b.txt", "file:///project/b.txt"),
        ]), 30)
        self.assertEqual(response.stop_reason, "end_turn")
        text = self.editor.text()
        self.assertIn("parts: text, image_url, text, text", text)
        self.assertIn("Context from file:///project/a.txt", text)
        self.assertIn("alpha beta", text)
        self.assertIn("The user refers to b.txt: file:///project/b.txt", text)

    async def test_additional_directories_widen_the_folders(self):
        other = os.path.join(FOLDER, "..", os.path.basename(FOLDER) + "-other")
        other = os.path.realpath(other)
        os.makedirs(other, exist_ok=True)
        with open(os.path.join(other, "extra.txt"), "w", encoding="utf-8") as handle:
            handle.write("from the other root")
        prompt = "read " + os.path.join(other, "extra.txt")
        self.assertEqual((await self.prompt(prompt)).stop_reason, "end_turn")
        self.assertEqual(self.editor.reads, [], "outside the first session's folders")
        self.session = await self.conn.new_session(cwd=FOLDER, additional_directories=[other], mcp_servers=[])
        self.assertEqual((await self.prompt(prompt)).stop_reason, "end_turn")
        self.assertEqual(self.editor.reads, [os.path.join(other, "extra.txt")])
        self.assertIn("from the other root", self.editor.text())

    async def test_the_sessions_mcp_servers_reach_the_agent_loop(self):
        # The reference time server from PyPI (SWITCHBOARD_TEST_MCP_PYTHON: the venv that has it),
        # and an HTTP server that is not there: the run goes on without it.
        self.session = await self.conn.new_session(cwd=FOLDER, mcp_servers=[
            McpServerStdio(name="time", command=os.environ["SWITCHBOARD_TEST_MCP_PYTHON"], args=["-m", "mcp_server_time"],
                           env=[EnvVariable(name="TZ", value="UTC")]),
            HttpMcpServer(type="http", name="remote", url="http://127.0.0.1:9/mcp", headers=[HttpHeader(name="X-A", value="b")]),
        ])
        self.editor.answers = ["allow_once"]
        self.assertEqual((await self.prompt("what time is it")).stop_reason, "end_turn")
        call, options = self.editor.permissions[0]
        self.assertIn("time__get_current_time", call.title or "")
        self.assertIn("Etc/UTC", self.editor.text(), "the server's answer reached the model")
        self.assertEqual(self.editor.tool_updates()[-1].status, "completed")
        with open(self.log, encoding="utf-8") as handle:
            log = handle.read()
        self.assertIn("MCP server remote left out", log)

    async def test_close_ends_the_session(self):
        await self.conn.close_session(session_id=self.session.session_id)
        with self.assertRaises(Exception):
            await self.prompt("hello")


class ACPStoredSessionTests(unittest.IsolatedAsyncioTestCase):
    """Sessions in the conversation store: each test works in a folder of its own (its sessions'
    cwd), so that listing by folder sees only its own."""

    async def asyncSetUp(self):
        self.folder = os.path.join(FOLDER, "stored-" + self._testMethodName)
        os.makedirs(self.folder, exist_ok=True)
        self.running = []

    async def asyncTearDown(self):
        for spawned in reversed(self.running):
            await spawned.__aexit__(None, None, None)

    async def agent(self, editor, *arguments):
        """A new `switchboard --acp` process, initialized; stopped at the end of the test or by `stop`."""
        spawned = spawn_agent_process(editor, BIN, "--acp", *arguments, env=environment(), cwd=FOLDER)
        conn, _ = await spawned.__aenter__()
        self.running.append(spawned)
        initialized = await conn.initialize(
            protocol_version=PROTOCOL_VERSION,
            client_capabilities=ClientCapabilities(fs=FileSystemCapabilities(read_text_file=True, write_text_file=True)),
        )
        return conn, initialized

    async def stop(self):
        await self.running.pop().__aexit__(None, None, None)

    async def prompt(self, conn, session_id, text):
        return await asyncio.wait_for(conn.prompt(session_id=session_id, prompt=[text_block(text)]), 30)

    async def json_rpc(self, requests):
        """Runs the daemon as a JSON-RPC client's (no --acp), sends `requests` one after the other
        (each answered before the next) and returns the results."""
        process = await asyncio.create_subprocess_exec(BIN, env=environment(), cwd=FOLDER, stdin=asyncio.subprocess.PIPE,
                                                       stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL)
        results = []
        for number, (method, params) in enumerate(requests, 1):
            process.stdin.write((json.dumps({"jsonrpc": "2.0", "id": number, "method": method, "params": params}) + "\n").encode())
            await process.stdin.drain()
            while True:
                message = json.loads(await asyncio.wait_for(process.stdout.readline(), 30))
                if message.get("id") == number:
                    self.assertNotIn("error", message, message)
                    results.append(message["result"])
                    break
        process.stdin.close()
        await process.wait()
        return results

    async def test_a_session_outlives_the_agent_listed_loaded_and_continued(self):
        with open(os.path.join(self.folder, "notes.txt"), "w", encoding="utf-8") as handle:
            handle.write("stored notes\n")
        conn, _ = await self.agent(Editor())
        session = await conn.new_session(cwd=self.folder, mcp_servers=[])
        self.assertTrue(session.session_id.startswith("conv_"), session.session_id)
        await self.prompt(conn, session.session_id, "hello")
        await self.prompt(conn, session.session_id, "read notes.txt")
        await self.stop()

        editor = Editor()
        conn, initialized = await self.agent(editor)
        self.assertTrue(initialized.agent_capabilities.load_session)
        listed = await conn.list_sessions(cwd=self.folder)
        self.assertEqual([info.session_id for info in listed.sessions], [session.session_id])
        info = listed.sessions[0]
        self.assertEqual((info.cwd, info.title), (self.folder, "hello"))
        updated = datetime.fromisoformat(info.updated_at.replace("Z", "+00:00"))
        self.assertLess(abs((datetime.now(timezone.utc) - updated).total_seconds()), 120, info.updated_at)
        self.assertIn(session.session_id, [info.session_id for info in (await conn.list_sessions()).sessions])
        self.assertEqual((await conn.list_sessions(cwd=self.folder + "-elsewhere")).sessions, [])

        loaded = await conn.load_session(cwd=self.folder, session_id=session.session_id, mcp_servers=[])
        self.assertIn("model", [option.id for option in loaded.config_options])
        kinds = [u.session_update for u in editor.updates]
        self.assertEqual(kinds[0], "user_message_chunk")
        self.assertEqual([u.content.text for u in editor.updates if u.session_update == "user_message_chunk"],
                         ["hello", "read notes.txt"])
        self.assertIn("Hello from the relay.", editor.text())
        self.assertIn("Result: ", editor.text())
        calls = [u for u in editor.updates if u.session_update == "tool_call"]
        self.assertEqual([(c.tool_call_id, c.kind, c.status) for c in calls], [("call_read_text_file", "read", "completed")])
        self.assertIn("stored notes", calls[0].content[0].content.text)
        self.assertEqual(calls[0].locations[0].path, os.path.join(self.folder, "notes.txt"))

        editor.updates.clear()
        await self.prompt(conn, session.session_id, "history")
        self.assertIn("earlier: hello", editor.text())
        self.assertIn("earlier: read notes.txt", editor.text())
        self.assertIn("assistant said: Hello from the relay.", editor.text())

    async def test_a_conversation_started_over_json_rpc_is_loaded_and_goes_back(self):
        [started] = await self.json_rpc([("chat.complete", {"messages": [{"role": "user", "content": "hello"}],
                                                            "conversation_id": "new", "stream": True})])
        conversation = started["conversation_id"]
        editor = Editor()
        conn, _ = await self.agent(editor)
        # Not listed: no editor session has worked in it yet.
        self.assertNotIn(conversation, [info.session_id for info in (await conn.list_sessions()).sessions])
        await conn.load_session(cwd=self.folder, session_id=conversation, mcp_servers=[])
        self.assertEqual(editor.text("user_message_chunk"), "hello")
        self.assertIn("Hello from the relay.", editor.text())
        editor.updates.clear()
        await self.prompt(conn, conversation, "history")
        self.assertIn("earlier: hello", editor.text())
        self.assertIn("assistant said: Hello from the relay.", editor.text())
        # Now it is this folder's session.
        self.assertEqual([info.session_id for info in (await conn.list_sessions(cwd=self.folder)).sessions], [conversation])

        [back, stored] = await self.json_rpc([
            ("chat.complete", {"messages": [{"role": "user", "content": "history"}], "conversation_id": conversation, "stream": True}),
            ("conversations.get", {"id": conversation}),
        ])
        text = back["choices"][0]["message"]["content"]
        self.assertIn("earlier: hello", text)
        self.assertEqual(text.count("earlier: history"), 1, text)
        self.assertEqual([m["role"] for m in stored["messages"]][:4], ["user", "assistant", "user", "assistant"])
        self.assertNotIn("system", [m["role"] for m in stored["messages"]], "the session's system message is not stored")

    async def test_an_unknown_session_is_refused(self):
        conn, _ = await self.agent(Editor())
        with self.assertRaises(RequestError) as caught:
            await conn.load_session(cwd=self.folder, session_id="conv_nosuchsession", mcp_servers=[])
        self.assertEqual(caught.exception.code, -32602)
        self.assertIn("conv_nosuchsession", str(caught.exception))
        with self.assertRaises(RequestError) as caught:
            await conn.list_sessions(cursor="conv_nosuchsession")
        self.assertEqual(caught.exception.code, -32602)

    async def test_without_the_store_sessions_are_not_kept(self):
        config = os.path.join(self.folder, "config.json")
        with open(config, "w", encoding="utf-8") as handle:
            json.dump({"store": False}, handle)
        editor = Editor()
        conn, initialized = await self.agent(editor, "--config", config)
        self.assertFalse(initialized.agent_capabilities.load_session)
        self.assertIsNone(initialized.agent_capabilities.session_capabilities.list)
        session = await conn.new_session(cwd=self.folder, mcp_servers=[])
        await self.prompt(conn, session.session_id, "hello")
        await self.prompt(conn, session.session_id, "history")
        self.assertIn("earlier: hello", editor.text(), "kept in memory")
        for call in (conn.list_sessions(), conn.load_session(cwd=self.folder, session_id=session.session_id, mcp_servers=[])):
            with self.assertRaises(RequestError) as caught:
                await call
            self.assertEqual(caught.exception.code, -32008)
            self.assertIn("store to false", str(caught.exception))


if __name__ == "__main__":
    unittest.main(verbosity=2)
