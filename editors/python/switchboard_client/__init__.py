"""A Python client for the Switchboard daemon (JSON-RPC 2.0 over stdin/stdout), standard library only.

    with Client(binary="switchboard") as sb:
        print(sb.request("models.list"))
        stream = sb.stream_chat({"messages": [{"role": "user", "content": "Write a haiku"}]})
        for piece in stream:
            print(piece, end="", flush=True)
        print(stream.result["usage"])

`AsyncClient` offers the same API for asyncio code (`await sb.request(...)`,
`async for piece in sb.stream_chat(...)`). Both sit on one `_Connection`, which owns the daemon
process, writes messages, and runs a reader thread that hands every response and every
notification carrying a `request_id` to the sink of the request it belongs to. Requests from the
daemon (`tool.approve`, `tool.execute` during `agent_run`) go to the sink of the agent run they
name, whose callbacks answer them; any other is answered -32601.

The wire protocol is specified in protocol/README.md at the root of the repository.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import os
import queue
import subprocess
import threading
import time
from typing import (IO, Any, AsyncIterator, Awaitable, Callable, Dict, Generic, Iterable, Iterator, List, Mapping, Optional,
                    Sequence, Set, Tuple, TypeVar, Union)

__all__ = ["Client", "AsyncClient", "Call", "AsyncCall", "Conversations", "SwitchboardError", "ConnectionLost", "ToolRequest"]

REQUEST_CANCELLED = -32800
UPSTREAM_HTTP_ERROR = -32001
METHOD_NOT_FOUND = -32601

#: A JSON value as `json` gives it (objects are dicts, arrays lists).
JSON = Any
#: The params of a request: a JSON object.
Params = Dict[str, Any]
#: What the reader thread hands a request's sink: ("notification" | "response", message) or ("lost", error).
_Item = Tuple[str, Any]
_Sink = Callable[[_Item], None]

#: What a tool.execute callback returns: the output text, content parts (`[{"type": "text", "text": ...}]`),
#: or the whole answer (`{"content": ..., "is_error": True}`).
ToolOutput = Union[str, Sequence[Mapping[str, Any]], Mapping[str, Any]]
#: `on_approve`: gets the tool.approve params, returns whether the call may run.
ApproveCallback = Callable[["ToolRequest"], bool]
#: `on_execute`: gets the tool.execute params, returns the tool's output; raising makes it an error.
ExecuteCallback = Callable[["ToolRequest"], ToolOutput]
#: `on_tool_call`: gets each tool.call notification's params.
ToolCallCallback = Callable[[Params], None]
#: The asyncio client's callbacks may also be coroutine functions.
AsyncApproveCallback = Callable[["ToolRequest"], Union[bool, Awaitable[bool]]]
AsyncExecuteCallback = Callable[["ToolRequest"], Union[ToolOutput, Awaitable[ToolOutput]]]


class SwitchboardError(Exception):
    """A JSON-RPC error response: `code`, `message` and the structured `data` (or None)."""

    def __init__(self, code: Optional[int], message: str, data: JSON = None) -> None:
        super().__init__(f"{message} ({code})" if code is not None else message)
        self.code = code
        self.message = message
        self.data = data

    @classmethod
    def from_error(cls, error: Mapping[str, Any]) -> SwitchboardError:
        return cls(error.get("code"), error.get("message", ""), error.get("data"))

    @property
    def partial_text(self) -> Optional[str]:
        """The text produced before a stream failed or was cancelled (`data.partial`), or None."""
        partial = (self.data or {}).get("partial") or {}
        choices = partial.get("choices") or [{}]
        content = (choices[0].get("message") or {}).get("content")
        return content if isinstance(content, str) else None


class ConnectionLost(SwitchboardError):
    """The daemon went away (it exited, or could not be started) before answering."""

    def __init__(self, message: str, returncode: Optional[int] = None) -> None:
        super().__init__(None, message, {"returncode": returncode})
        self.returncode = returncode


class ToolRequest(Dict[str, Any]):
    """A request from the daemon during an agent run (`tool.approve` or `tool.execute`): its params
    (`request_id`, `call_id`, `name`, `server`, `arguments`) as a dict, plus `method`, the daemon's
    `id` (a string "sb-<n>") and `cancelled`, an Event set when the daemon cancels the request
    (`$/cancelRequest`: the run was cancelled). A callback doing slow work should check it; once
    it is set, whatever the callback returns is not sent."""

    def __init__(self, message: Mapping[str, Any]) -> None:
        super().__init__(message.get("params") or {})
        self.method: str = message["method"]
        self.id: Any = message["id"]
        self.cancelled = threading.Event()
        self._on_cancel: List[Callable[[], None]] = []

    def _cancel(self) -> None:
        self.cancelled.set()
        for hook in self._on_cancel:
            hook()


def _method_not_found(method: str, reason: str) -> Dict[str, Any]:
    return {"code": METHOD_NOT_FOUND, "message": f"{method}: {reason}", "data": {"method": method}}


def _tool_answer(method: str, value: Any) -> JSON:
    """The result answering `method` for what its callback returned (or the exception it raised)."""
    if method == "tool.approve":
        return {"approved": False if isinstance(value, BaseException) else bool(value)}
    if isinstance(value, BaseException):
        return {"content": str(value) or type(value).__name__, "is_error": True}
    if isinstance(value, Mapping) and "content" in value:
        return dict(value)
    if isinstance(value, str) or isinstance(value, list):
        return {"content": value}
    return {"content": json.dumps(value, ensure_ascii=False)}


class _ToolHandlers:
    """An agent run's callbacks: they answer the daemon's tool.approve and tool.execute requests
    and see its tool.call notifications. A request without its callback is answered -32601."""

    def __init__(self, on_approve: Optional[Callable[[ToolRequest], Any]], on_execute: Optional[Callable[[ToolRequest], Any]],
                 on_tool_call: Optional[ToolCallCallback]) -> None:
        self.callbacks = {"tool.approve": (on_approve, "no on_approve callback was given"),
                          "tool.execute": (on_execute, "no on_execute callback was given")}
        self.on_tool_call = on_tool_call

    def callback(self, connection: _Connection, request: ToolRequest) -> Optional[Callable[[ToolRequest], Any]]:
        """The request's callback; None after answering -32601 for a method without one."""
        callback, reason = self.callbacks.get(request.method, (None, "not a request of agent.run"))
        if callback is None:
            connection.answer(request, error=_method_not_found(request.method, reason))
        return callback

    def serve(self, connection: _Connection, request: ToolRequest) -> None:
        """Runs the callback here and answers (unless the daemon cancelled the request)."""
        callback = self.callback(connection, request)
        if callback is None or request.cancelled.is_set():
            return
        try:
            value = callback(request)
        except Exception as error:  # the tool failed: the model is told why
            value = error
        connection.answer(request, result=_tool_answer(request.method, value))

    async def serve_async(self, connection: _Connection, request: ToolRequest) -> None:
        """As `serve`, awaiting a coroutine callback; the daemon's cancel cancels its task."""
        callback = self.callback(connection, request)
        if callback is None or request.cancelled.is_set():
            return
        task = asyncio.current_task()
        loop = asyncio.get_running_loop()
        if task is not None:
            def cancel_task() -> None:  # on the reader thread
                try:
                    loop.call_soon_threadsafe(task.cancel)
                except RuntimeError:  # the event loop has closed
                    pass

            request._on_cancel.append(cancel_task)
            if request.cancelled.is_set():  # cancelled before the hook was in place
                return
        try:
            value = callback(request)
            if inspect.isawaitable(value):
                value = await value
        except asyncio.CancelledError:
            if request.cancelled.is_set():
                return  # cancelled by the daemon: no answer
            raise
        except Exception as error:
            value = error
        connection.answer(request, result=_tool_answer(request.method, value))

    def notification(self, message: Mapping[str, Any]) -> None:
        if message.get("method") == "tool.call" and self.on_tool_call is not None:
            self.on_tool_call(message.get("params") or {})


# ---------------------------------------------------------------------------------------------
# Framing


def _encode(message: JSON, framing: str) -> bytes:
    body = json.dumps(message, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    if framing == "lsp":
        return b"Content-Length: %d\r\n\r\n" % len(body) + body
    return body + b"\n"


def _read_message(stream: IO[bytes]) -> JSON:
    """Reads one message in either framing (detected as the daemon does); None at end of stream."""
    lines = iter(stream.readline, b"")
    for raw in lines:
        line = raw.strip()
        if not line:
            continue
        if not line[:1].isalpha():
            return json.loads(line)
        length = None
        while line:  # a header block, ended by an empty line
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value.strip())
            following = next(lines, None)
            if following is None:
                return None
            line = following.strip()
        if length is None:
            raise ValueError("an LSP header block without Content-Length")
        return json.loads(stream.read(length))
    return None


# ---------------------------------------------------------------------------------------------
# The connection: process, writer, reader thread, routing


class _Connection:
    def __init__(self, binary: str, args: Tuple[str, ...], env: Optional[Mapping[str, str]], framing: str, stderr: Any) -> None:
        if framing not in ("ndjson", "lsp"):
            raise ValueError("framing must be 'ndjson' or 'lsp'")
        self.framing = framing
        environment = dict(os.environ)
        environment.update(env or {})
        try:
            self.process = subprocess.Popen(
                [binary, *args], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=stderr, env=environment
            )
        except OSError as error:
            raise ConnectionLost(f"cannot run {binary}: {error.strerror or error}") from None
        self._lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._next_id = 1
        self._sinks: Dict[int, _Sink] = {}  # request id -> callable receiving (kind, message)
        self._serving: Set[int] = set()  # requests whose sink takes the daemon's requests (agent runs)
        self._served: Dict[Any, ToolRequest] = {}  # the daemon's requests not answered yet, by its id
        self._listeners: List[Callable[[str, JSON], None]] = []
        self._lost: Optional[ConnectionLost] = None
        self._reader = threading.Thread(target=self._read_loop, name="switchboard-reader", daemon=True)
        self._reader.start()

    # -- writing

    def _write(self, message: JSON) -> None:
        data = _encode(message, self.framing)
        with self._write_lock:
            try:
                assert self.process.stdin is not None
                self.process.stdin.write(data)
                self.process.stdin.flush()
            except (BrokenPipeError, ValueError, OSError) as error:
                raise ConnectionLost(f"cannot write to the daemon: {error}", self.process.poll()) from None

    def send_request(self, method: str, params: Optional[Params], sink: _Sink, serves_requests: bool = False) -> int:
        """Sends a request; `sink` receives its notifications and then its response, and with
        `serves_requests` the daemon's requests naming it (as ("request", ToolRequest)). Returns the id."""
        with self._lock:
            if self._lost is not None:
                raise self._lost
            request_id = self._next_id
            self._next_id += 1
            self._sinks[request_id] = sink
            if serves_requests:
                self._serving.add(request_id)
        message: Dict[str, Any] = {"jsonrpc": "2.0", "id": request_id, "method": method}
        if params is not None:
            message["params"] = params
        try:
            self._write(message)
        except ConnectionLost:
            self.forget(request_id)
            raise
        return request_id

    def notify(self, method: str, params: Optional[Params] = None) -> None:
        message: Dict[str, Any] = {"jsonrpc": "2.0", "method": method}
        if params is not None:
            message["params"] = params
        self._write(message)

    def cancel(self, request_id: int) -> None:
        self.notify("$/cancelRequest", {"id": request_id})

    def forget(self, request_id: int) -> None:
        with self._lock:
            self._sinks.pop(request_id, None)
            self._serving.discard(request_id)

    def answer(self, request: ToolRequest, result: JSON = None, error: Optional[Mapping[str, Any]] = None) -> None:
        """Answers a request of the daemon's, unless the daemon cancelled it (then nothing is sent)."""
        with self._lock:
            if self._served.pop(request.id, None) is None:
                return
        message: Dict[str, Any] = {"jsonrpc": "2.0", "id": request.id}
        if error is not None:
            message["error"] = dict(error)
        else:
            message["result"] = result
        try:
            self._write(message)
        except ConnectionLost:
            pass

    def _serve(self, message: Dict[str, Any]) -> None:
        """A request from the daemon: to the agent run it names, else -32601 at once."""
        request = ToolRequest(message)
        with self._lock:
            self._served[request.id] = request
            run = request.get("request_id")
            sink = self._sinks.get(run) if isinstance(run, (int, str)) and run in self._serving else None
        if sink is None:
            self.answer(request, error=_method_not_found(request.method, "this client has no handler for it"))
        else:
            self._deliver(sink, ("request", request))

    def _cancel_served(self, params: Any) -> None:
        """The daemon's `$/cancelRequest` for one of its requests: no answer will be sent."""
        served_id = (params or {}).get("id")
        if not isinstance(served_id, (int, str)):
            return
        with self._lock:
            request = self._served.pop(served_id, None)
        if request is not None:
            request._cancel()

    def add_listener(self, callback: Callable[[str, JSON], None]) -> None:
        self._listeners.append(callback)

    def close_stdin(self) -> None:
        with self._write_lock:
            try:
                if self.process.stdin is not None:
                    self.process.stdin.close()
            except OSError:
                pass

    # -- reading

    def _read_loop(self) -> None:
        reason = "the daemon closed its output"
        assert self.process.stdout is not None
        try:
            while True:
                message = _read_message(self.process.stdout)
                if message is None:
                    break
                for item in message if isinstance(message, list) else [message]:
                    self._dispatch(item)
        except (ValueError, OSError) as error:
            reason = f"unreadable output from the daemon: {error}"
        returncode = self.process.wait()
        lost = ConnectionLost(f"{reason} (exit code {returncode})", returncode)
        with self._lock:
            self._lost = lost
            sinks, self._sinks = self._sinks, {}
        for sink in sinks.values():
            self._deliver(sink, ("lost", lost))

    def _dispatch(self, message: Dict[str, Any]) -> None:
        if "method" not in message:  # a response
            response_id: Any = message.get("id")
            with self._lock:
                sink = self._sinks.pop(response_id, None)
                self._serving.discard(response_id)
            if sink is not None:
                self._deliver(sink, ("response", message))
            return
        if isinstance(message.get("id"), (int, str)):
            self._serve(message)
            return
        if message["method"] == "$/cancelRequest":
            self._cancel_served(message.get("params"))
        request_id: Any = (message.get("params") or {}).get("request_id")
        with self._lock:
            sink = self._sinks.get(request_id)
        if sink is not None:
            self._deliver(sink, ("notification", message))
        for listener in list(self._listeners):
            try:
                listener(message["method"], message.get("params"))
            except Exception:  # a listener's bug must not stop the reader
                pass

    @staticmethod
    def _deliver(sink: _Sink, item: _Item) -> None:
        try:
            sink(item)
        except RuntimeError:  # an asyncio sink whose event loop has closed
            pass

    # -- ending

    def close(self, timeout: float) -> Optional[int]:
        """shutdown, exit, end of stdin, then wait; kills the daemon if it outlives `timeout`."""
        deadline = time.monotonic() + timeout
        if self.process.poll() is None and self._lost is None:
            try:
                Call(self, "shutdown", None).wait(timeout=timeout)
                self.notify("exit")
            except (SwitchboardError, TimeoutError):
                pass
        self.close_stdin()
        try:
            self.process.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._reader.join(timeout=1)
        if self.process.stdout is not None:
            self.process.stdout.close()
        return self.process.returncode


# ---------------------------------------------------------------------------------------------
# One request in flight


class _Exchange:
    """What a request has received so far; shared by the blocking and the asyncio calls."""

    def __init__(self, tools: Optional[_ToolHandlers] = None) -> None:
        self.done = False
        self.result: JSON = None
        self.error: Optional[SwitchboardError] = None
        self.tools = tools

    def take(self, item: _Item) -> str:
        """Consumes one item from the sink (not a "request": the call serves those); returns the
        text piece it carries ("" for none)."""
        kind, message = item
        if kind == "notification":
            if self.tools is not None:
                self.tools.notification(message)
            params = message.get("params") or {}
            if message.get("method") == "chat.delta" and params.get("index", 0) == 0:
                content = (params.get("delta") or {}).get("content")
                return content if isinstance(content, str) else ""
            return ""
        self.done = True
        if kind == "lost":
            self.error = message
        elif "error" in message:
            self.error = SwitchboardError.from_error(message["error"])
        else:
            self.result = message.get("result")
        return ""

    def outcome(self) -> JSON:
        if self.error is not None:
            raise self.error
        return self.result

    def abandon(self, connection: _Connection, request_id: int) -> None:
        """The caller stopped waiting (left a stream, was cancelled, timed out): unless the answer
        is in, cancel the request in the daemon, so that the upstream stops too, and end this call
        as cancelled."""
        if self.done:
            return
        self.done = True
        self.error = SwitchboardError(REQUEST_CANCELLED, "request cancelled: the caller stopped waiting", {"reason": "abandoned"})
        connection.forget(request_id)
        try:
            connection.cancel(request_id)
        except ConnectionLost:
            pass


class Call:
    """A request in flight. Iterating yields the text pieces of its `chat.delta` notifications
    (choice 0) in order, and raises `SwitchboardError` at the end if the request failed.
    `result` is the response's result once the stream is over (reading it first drains the stream)."""

    def __init__(self, connection: _Connection, method: str, params: Optional[Params], tools: Optional[_ToolHandlers] = None) -> None:
        self._connection = connection
        self._queue: queue.Queue[_Item] = queue.Queue()
        self._exchange = _Exchange(tools)
        self.id = connection.send_request(method, params, self._queue.put, serves_requests=tools is not None)

    def _next(self, deadline: Optional[float]) -> str:
        timeout = None if deadline is None else max(0.0, deadline - time.monotonic())
        try:
            item = self._queue.get(timeout=timeout)
        except queue.Empty:
            raise TimeoutError(f"no answer to request {self.id} in time") from None
        if item[0] == "request" and self._exchange.tools is not None:
            self._exchange.tools.serve(self._connection, item[1])  # on the thread that iterates or waits
            return ""
        return self._exchange.take(item)

    def __iter__(self) -> Iterator[str]:
        try:
            while not self._exchange.done:
                piece = self._next(None)
                if piece:
                    yield piece
        finally:  # also when the caller breaks out of the loop (GeneratorExit) or is interrupted
            self._exchange.abandon(self._connection, self.id)
        self._exchange.outcome()

    def wait(self, timeout: Optional[float] = None) -> JSON:
        """Blocks until the response; returns the result or raises. On timeout (TimeoutError) or an
        interruption (KeyboardInterrupt) the request is cancelled in the daemon."""
        deadline = None if timeout is None else time.monotonic() + timeout
        try:
            while not self._exchange.done:
                self._next(deadline)
        finally:
            self._exchange.abandon(self._connection, self.id)
        return self._exchange.outcome()

    @property
    def result(self) -> JSON:
        return self.wait()

    def cancel(self) -> None:
        self._connection.cancel(self.id)


class AsyncCall:
    """The asyncio counterpart of `Call`: `async for piece in call`, then `call.result`
    (or `await call.wait()`)."""

    def __init__(self, connection: _Connection, method: str, params: Optional[Params], tools: Optional[_ToolHandlers] = None) -> None:
        loop = asyncio.get_running_loop()
        self._connection = connection
        self._queue: asyncio.Queue[_Item] = asyncio.Queue()
        self._exchange = _Exchange(tools)
        self._tasks: Set[asyncio.Task[None]] = set()
        def deliver(item: _Item) -> None:  # on the reader thread
            loop.call_soon_threadsafe(self._queue.put_nowait, item)

        self.id = connection.send_request(method, params, deliver, serves_requests=tools is not None)

    def _take(self, item: _Item) -> str:
        """`_Exchange.take`, except that the daemon's requests are served by tasks of their own, so
        that deltas and other calls go on while a callback waits (for its user, say)."""
        if item[0] == "request" and self._exchange.tools is not None:
            task = asyncio.ensure_future(self._exchange.tools.serve_async(self._connection, item[1]))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
            return ""
        return self._exchange.take(item)

    async def __aiter__(self) -> AsyncIterator[str]:
        try:
            while not self._exchange.done:
                piece = self._take(await self._queue.get())
                if piece:
                    yield piece
        finally:  # also on `break` (the loop closes the generator) and on task cancellation
            self._exchange.abandon(self._connection, self.id)
        self._exchange.outcome()

    async def wait(self, timeout: Optional[float] = None) -> JSON:
        """Waits for the response; on timeout (TimeoutError) or when the awaiting task is cancelled
        (asyncio.wait_for around it, task.cancel()), the request is cancelled in the daemon."""
        async def drain() -> None:
            while not self._exchange.done:
                self._take(await self._queue.get())

        try:
            await asyncio.wait_for(drain(), timeout)
        except asyncio.TimeoutError:
            raise TimeoutError(f"no answer to request {self.id} in time") from None
        finally:
            self._exchange.abandon(self._connection, self.id)
        return self._exchange.outcome()

    @property
    def result(self) -> JSON:
        """The result once the call has finished (raises its error if it failed)."""
        if not self._exchange.done:
            raise RuntimeError("the call has not finished: iterate it or await wait() first")
        return self._exchange.outcome()

    def cancel(self) -> None:
        self._connection.cancel(self.id)


# ---------------------------------------------------------------------------------------------
# Clients


def _stream_params(params: Params) -> Params:
    return {**params, "stream": True}


def _agent_params(params: Params) -> Params:
    return {"stream": True, **params}


def _tools_list_params(mcp_servers: Optional[Iterable[str]], profile: Optional[str]) -> Params:
    params: Params = {}
    if mcp_servers is not None:
        params["mcp_servers"] = list(mcp_servers)
    if profile is not None:
        params["profile"] = profile
    return params


def _initialize_params(config: Optional[Params], client_info: Optional[Params]) -> Params:
    params: Params = {"client_info": client_info or {"name": "switchboard_client.py", "version": "1"}}
    if config is not None:
        params["config"] = config
    return params


def _describe_params(path: Union[str, os.PathLike[str]], prompt: Optional[str], options: Params) -> Params:
    image = str(path)
    if "://" not in image and not image.startswith("data:"):
        image = os.path.abspath(image)  # the daemon resolves relative paths against its own cwd
    params = {"image": image, **options}
    if prompt is not None:
        params["prompt"] = prompt
    return params


_Answer = TypeVar("_Answer")


class Conversations(Generic[_Answer]):
    """The stored conversations (`conversations.*`; see protocol/README.md, Conversations), as
    `client.conversations`: each method returns the result (`Client`) or an awaitable of it
    (`AsyncClient`). A chat turn joins a conversation through its params:
    `client.request("chat.complete", {"conversation_id": "new", "messages": [...]})`, whose
    result carries `conversation_id`."""

    def __init__(self, request: Callable[[str, Params], _Answer]) -> None:
        self._request = request

    def list(self, limit: Optional[int] = None, before: Optional[str] = None) -> _Answer:
        """`{conversations: [{id, title, created_at, updated_at, model, message_count}]}`, most
        recent first; `before` is the last id of the previous page."""
        return self._request("conversations.list", _present(limit=limit, before=before))

    def get(self, id: str) -> _Answer:
        """The conversation's summary fields and `messages`."""
        return self._request("conversations.get", {"id": id})

    def search(self, query: str, limit: Optional[int] = None) -> _Answer:
        """`{results: [{conversation_id, title, updated_at, message_index, role, snippet}]}`."""
        return self._request("conversations.search", _present(query=query, limit=limit))

    def fork(self, id: str, at: Optional[int] = None) -> _Answer:
        """A new conversation with the first `at` messages of `id` (all by default)."""
        return self._request("conversations.fork", _present(id=id, at=at))

    def rename(self, id: str, title: str) -> _Answer:
        return self._request("conversations.rename", {"id": id, "title": title})

    def delete(self, id: str) -> _Answer:
        return self._request("conversations.delete", {"id": id})

    def export(self, id: str, format: str = "markdown") -> _Answer:
        """`{id, format, content}`: Markdown in the editors' chat format, or the JSON object."""
        return self._request("conversations.export", {"id": id, "format": format})


def _present(**params: Any) -> Params:
    """The params that were given (None means left out)."""
    return {name: value for name, value in params.items() if value is not None}


class _BaseClient:
    def __init__(self, binary: str = "switchboard", args: Iterable[str] = (), env: Optional[Mapping[str, str]] = None,
                 framing: str = "ndjson", stderr: Any = None, close_timeout: float = 5.0) -> None:
        """Starts `binary` with `args`; `env` is merged over os.environ; `framing` is "ndjson" or
        "lsp"; `stderr` is passed to subprocess (None: the daemon's logs go to ours)."""
        self._connection = _Connection(binary, tuple(args), env, framing, stderr)
        self.close_timeout = close_timeout

    @property
    def process(self) -> subprocess.Popen[bytes]:
        return self._connection.process

    def notify(self, method: str, params: Optional[Params] = None) -> None:
        self._connection.notify(method, params)

    def cancel(self, request_id: int) -> None:
        """Sends `$/cancelRequest`; the request then fails with -32800 (unless it had finished)."""
        self._connection.cancel(request_id)

    def on_notification(self, callback: Callable[[str, JSON], None]) -> None:
        """Calls `callback(method, params)` for every notification (on the reader thread)."""
        self._connection.add_listener(callback)


class Client(_BaseClient):
    """A blocking client; safe to use from several threads at once."""

    def call(self, method: str, params: Optional[Params] = None) -> Call:
        """Sends a request and returns its `Call` without waiting."""
        return Call(self._connection, method, params)

    def stream_chat(self, params: Params) -> Call:
        """`chat.complete` with `stream: true`: iterate the returned call for the text pieces."""
        return self.call("chat.complete", _stream_params(params))

    def request(self, method: str, params: Optional[Params] = None, timeout: Optional[float] = None) -> JSON:
        return self.call(method, params).wait(timeout)

    def agent_run(self, params: Params, on_approve: Optional[ApproveCallback] = None,
                  on_execute: Optional[ExecuteCallback] = None, on_tool_call: Optional[ToolCallCallback] = None) -> Call:
        """`agent.run` (streamed unless `params` says `stream: False`): iterate the returned call for
        the text pieces of every turn; `call.result` is the run's result (with `messages`, `turns`).
        The callbacks run on the thread that iterates or waits: `on_approve(request)` answers
        tool.approve (truthy: approved; raising: denied), `on_execute(request)` runs a client tool
        (its output; raising: the call fails with the message), `on_tool_call(params)` sees each
        tool.call. Without `on_approve`/`on_execute` those requests are answered -32601."""
        return Call(self._connection, "agent.run", _agent_params(params), _ToolHandlers(on_approve, on_execute, on_tool_call))

    def tools_list(self, mcp_servers: Optional[Iterable[str]] = None, profile: Optional[str] = None,
                   timeout: Optional[float] = None) -> JSON:
        """`tools.list`: `{tools, servers}`, the MCP tools as agent.run offers them and each server's status."""
        return self.request("tools.list", _tools_list_params(mcp_servers, profile), timeout)

    @property
    def conversations(self) -> Conversations[JSON]:
        """The stored conversations: `client.conversations.list()`, `.search("monad")`, …"""
        return Conversations(self.request)

    def initialize(self, config: Optional[Params] = None, client_info: Optional[Params] = None,
                   timeout: Optional[float] = None) -> JSON:
        """`initialize` (optional; first if sent) with `config` as a configuration layer."""
        result = self.request("initialize", _initialize_params(config, client_info), timeout)
        self.notify("initialized")
        return result

    def describe_image(self, path: Union[str, os.PathLike[str]], prompt: Optional[str] = None,
                       timeout: Optional[float] = None, **options: Any) -> JSON:
        """`chat.describeImage` for one image (path or URL); returns `{text, completion}`."""
        return self.request("chat.describeImage", _describe_params(path, prompt, options), timeout)

    def close(self, timeout: Optional[float] = None) -> Optional[int]:
        """shutdown + exit, then waits for the daemon (killing it after the timeout). Returns its
        exit code."""
        return self._connection.close(self.close_timeout if timeout is None else timeout)

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class AsyncClient(_BaseClient):
    """The asyncio client. Create it inside a running event loop."""

    def call(self, method: str, params: Optional[Params] = None) -> AsyncCall:
        """Sends a request and returns its `AsyncCall` without waiting."""
        return AsyncCall(self._connection, method, params)

    def stream_chat(self, params: Params) -> AsyncCall:
        """`chat.complete` with `stream: true`: `async for` over the returned call for the pieces."""
        return self.call("chat.complete", _stream_params(params))

    async def request(self, method: str, params: Optional[Params] = None, timeout: Optional[float] = None) -> JSON:
        return await self.call(method, params).wait(timeout)

    def agent_run(self, params: Params, on_approve: Optional[AsyncApproveCallback] = None,
                  on_execute: Optional[AsyncExecuteCallback] = None, on_tool_call: Optional[ToolCallCallback] = None) -> AsyncCall:
        """As `Client.agent_run`; the callbacks may be coroutine functions. Each request of the
        daemon is served by a task of its own on this loop, cancelled when the daemon cancels it."""
        return AsyncCall(self._connection, "agent.run", _agent_params(params), _ToolHandlers(on_approve, on_execute, on_tool_call))

    async def tools_list(self, mcp_servers: Optional[Iterable[str]] = None, profile: Optional[str] = None,
                         timeout: Optional[float] = None) -> JSON:
        return await self.request("tools.list", _tools_list_params(mcp_servers, profile), timeout)

    @property
    def conversations(self) -> Conversations[Awaitable[JSON]]:
        """The stored conversations: `await client.conversations.list()`, …"""
        return Conversations(self.request)

    async def initialize(self, config: Optional[Params] = None, client_info: Optional[Params] = None,
                         timeout: Optional[float] = None) -> JSON:
        result = await self.request("initialize", _initialize_params(config, client_info), timeout)
        self.notify("initialized")
        return result

    async def describe_image(self, path: Union[str, os.PathLike[str]], prompt: Optional[str] = None,
                             timeout: Optional[float] = None, **options: Any) -> JSON:
        return await self.request("chat.describeImage", _describe_params(path, prompt, options), timeout)

    async def close(self, timeout: Optional[float] = None) -> Optional[int]:
        limit = self.close_timeout if timeout is None else timeout
        return await asyncio.get_running_loop().run_in_executor(None, self._connection.close, limit)

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()
