"""A scripted stand-in for the daemon's side of agent.run, speaking its wire contract
(protocol/README.md, "Agent runs and tools") over NDJSON on stdin/stdout, standard library only.
The Python and Node clients' tests start it in place of the daemon, so that their agent-run code
is tested on exact, repeatable exchanges without an upstream or an MCP server.

The scenario is the last user message of the agent.run request:

- TOOLS: a chat.delta, then an MCP call (tool.call pending, a tool.approve request; if approved,
  running with a progress report, then completed, else denied), then a client tool (tool.call
  pending and running, a tool.execute request, then completed or failed), a last chat.delta and
  the result. The result's `messages` hold the tool messages built from the client's answers,
  `x_answers` the answers exactly as the client sent them ("approve", "execute") and `x_params`
  the agent.run params.
- UNKNOWN: a request with a method no client knows ("tool.unknown") and a tool.execute naming a
  request id that is not in flight; `x_answers` holds the client's answers ("unknown", "stray").
- CANCEL: a tool.execute request, then, 0.5 s later, `$/cancelRequest` for it; the result comes
  1 s after that, `x_answers.execute` being whatever the client answered meanwhile.
- SLOW: a chat.delta, then nothing until the client cancels the run (`$/cancelRequest`), which is
  answered -32800 as the daemon does.

Other methods: `tools.list` answers one tool and one server, its params echoed as `x_params`;
`fake.cancels` answers the ids of every `$/cancelRequest` received; `shutdown` answers null,
`exit` ends the process; anything else is -32601.
"""

import json
import sys
import threading
import time

WAIT = 10.0  # the longest wait for a client's answer


class Daemon:
    def __init__(self):
        self.write_lock = threading.Lock()
        self.changed = threading.Condition()
        self.answers = {}  # the daemon's request id -> the client's response
        self.cancels = []  # params.id of each $/cancelRequest received
        self.next_id = 1

    def write(self, message):
        with self.write_lock:
            sys.stdout.write(json.dumps({"jsonrpc": "2.0", **message}) + "\n")
            sys.stdout.flush()

    def notify(self, method, params):
        self.write({"method": method, "params": params})

    def ask(self, method, params, wait=True):
        """Sends a request of the daemon's own ("sb-<n>", counted over the process's life); returns
        its id and the client's response (None: none came, or not waited for)."""
        with self.write_lock:
            request_id = f"sb-{self.next_id}"
            self.next_id += 1
        self.write({"id": request_id, "method": method, "params": params})
        return request_id, self.answer(request_id, WAIT) if wait else None

    def answer(self, request_id, timeout):
        deadline = time.monotonic() + timeout
        with self.changed:
            while request_id not in self.answers and time.monotonic() < deadline:
                self.changed.wait(max(0.0, deadline - time.monotonic()))
            return self.answers.get(request_id)

    def cancelled(self, request_id, timeout):
        deadline = time.monotonic() + timeout
        with self.changed:
            while request_id not in self.cancels and time.monotonic() < deadline:
                self.changed.wait(max(0.0, deadline - time.monotonic()))
            return request_id in self.cancels

    # -- reading

    def run(self):
        for line in sys.stdin:
            if not line.strip():
                continue
            message = json.loads(line)
            if "method" not in message:
                with self.changed:
                    self.answers[message.get("id")] = message
                    self.changed.notify_all()
            elif "id" not in message:
                if message["method"] == "exit":
                    return
                if message["method"] == "$/cancelRequest":
                    with self.changed:
                        self.cancels.append(message["params"]["id"])
                        self.changed.notify_all()
            else:
                threading.Thread(target=self.handle, args=(message,), daemon=True).start()

    def handle(self, message):
        method, params, request_id = message["method"], message.get("params") or {}, message["id"]
        if method == "agent.run":
            scenario = params["messages"][-1]["content"]
            outcome = getattr(self, "run_" + scenario.lower())(request_id, params)
        elif method == "tools.list":
            outcome = {"result": {"tools": [{"name": "time__get_current_time", "server": "time", "tool": "get_current_time",
                                             "description": "Current time in a timezone.", "input_schema": {"type": "object"}}],
                                  "servers": [{"name": "time", "status": "ready"}], "x_params": params}}
        elif method == "fake.cancels":
            outcome = {"result": list(self.cancels)}
        elif method == "shutdown":
            outcome = {"result": None}
        else:
            outcome = {"error": {"code": -32601, "message": f"method not found: {method}", "data": {"method": method}}}
        self.write({"id": request_id, **outcome})

    # -- scenarios

    def delta(self, run, content, finish=None):
        delta = {"content": content} if content is not None else {}
        self.notify("chat.delta", {"request_id": run, "index": 0, "delta": delta, "finish_reason": finish})

    def tool_call(self, run, call_id, name, arguments, status, server=None, **extra):
        params = {"request_id": run, "call_id": call_id, "name": name, "arguments": arguments, "status": status, **extra}
        if server is not None:
            params["server"] = server
        self.notify("tool.call", params)

    @staticmethod
    def completion(content, messages, turns, **extra):
        final = {"role": "assistant", "content": content}
        return {"result": {"id": "chatcmpl-fake", "object": "chat.completion", "created": 1700000400, "model": "fake",
                           "choices": [{"index": 0, "message": final, "finish_reason": "stop"}],
                           "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15},
                           "messages": messages + [final], "turns": turns, **extra}}

    def run_tools(self, run, params):
        self.delta(run, "Let me look. ")
        time_args = {"timezone": "Europe/Paris"}
        self.tool_call(run, "call_1", "time__get_current_time", time_args, "pending", "time")
        _, approval = self.ask("tool.approve", {"request_id": run, "call_id": "call_1", "name": "time__get_current_time",
                                                     "server": "time", "arguments": time_args})
        if approval and approval.get("result", {}).get("approved") is True:
            self.tool_call(run, "call_1", "time__get_current_time", time_args, "running", "time",
                           progress={"progress": 1, "total": 2, "message": "asking the clock"})
            time_text = "08:30"
            self.tool_call(run, "call_1", "time__get_current_time", time_args, "completed", "time", result=time_text)
        else:
            time_text = "denied: the user did not allow this call"
            self.tool_call(run, "call_1", "time__get_current_time", time_args, "denied", "time", result=time_text)
        file_args = {"path": "notes.txt"}
        self.tool_call(run, "call_2", "read_file", file_args, "pending")
        self.tool_call(run, "call_2", "read_file", file_args, "running")
        _, executed = self.ask("tool.execute", {"request_id": run, "call_id": "call_2", "name": "read_file", "arguments": file_args})
        output = (executed or {}).get("result") or {"content": json.dumps((executed or {}).get("error")), "is_error": True}
        status = "failed" if output.get("is_error") else "completed"
        content = output["content"]
        text = content if isinstance(content, str) else "\n\n".join(part.get("text", "") for part in content)
        self.tool_call(run, "call_2", "read_file", file_args, status, result=text)
        self.delta(run, "Done.", None)
        self.delta(run, None, "stop")
        calls = {"role": "assistant", "content": None, "tool_calls": [
            {"id": "call_1", "type": "function", "function": {"name": "time__get_current_time", "arguments": json.dumps(time_args)}},
            {"id": "call_2", "type": "function", "function": {"name": "read_file", "arguments": json.dumps(file_args)}}]}
        tools = [{"role": "tool", "tool_call_id": "call_1", "content": time_text}, {"role": "tool", "tool_call_id": "call_2", "content": text}]
        return self.completion("Let me look. Done.", [calls, *tools], 2,
                               x_answers={"approve": approval, "execute": executed}, x_params=params)

    def run_unknown(self, run, params):
        _, unknown = self.ask("tool.unknown", {"request_id": run})
        _, stray = self.ask("tool.execute", {"request_id": "no-such-run", "call_id": "c", "name": "read_file", "arguments": {}})
        return self.completion("ok", [], 1, x_answers={"unknown": unknown, "stray": stray})

    def run_cancel(self, run, params):
        request_id, _ = self.ask("tool.execute", {"request_id": run, "call_id": "call_1", "name": "read_file", "arguments": {"path": "big"}},
                                 wait=False)
        time.sleep(0.5)
        self.notify("$/cancelRequest", {"id": request_id})
        late = self.answer(request_id, 1.0)
        return self.completion("cancelled the tool", [], 1, x_answers={"execute": late})

    def run_slow(self, run, params):
        self.delta(run, "Thinking")
        if not self.cancelled(run, WAIT):
            return self.completion("never cancelled", [], 1)
        partial = {"messages": [], "turns": 1}
        return {"error": {"code": -32800, "message": "request cancelled", "data": {"reason": "cancelled", "partial": partial}}}


if __name__ == "__main__":
    Daemon().run()
