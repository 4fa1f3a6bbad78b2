import JSONRPC
public import Server
public import Upstream

/// Methods with known behaviour, for driving a front end without an upstream: each records what
/// it did in the `StubEvents` it was made with.
public enum StubMethods {
    /// The stub list: an in-order method (`stub.ordered`), a concurrent one under the name the
    /// MCP `chat` tool calls (`chat.complete`: it sends one `chat.delta`, then answers, or waits
    /// until cancelled when its last message says "wait"), and one that fails under the name the
    /// `list_models` tool calls (`models.list`, throwing `failure`).
    public static func all(_ events: StubEvents) -> [any RPCMethod] {
        [Ordered(events: events), Chat(events: events), Failing()]
    }

    /// What `models.list` throws: an upstream error, so that both front ends go through the
    /// whole conversion (code, message, `data.attempts`).
    public static let failure = UpstreamError.unreachable(reason: "stub upstream refused the connection")

    /// In order: takes `delay_ms` (default 200) of its own work, then records that it finished.
    struct Ordered: RPCMethod {
        static let name = "stub.ordered"
        static let execution = Execution.inOrder
        let events: StubEvents

        func call(_ params: Params, context: RequestContext) async throws -> JSONValue {
            try await Task.sleep(for: .milliseconds(params["delay_ms"]?.intValue ?? 200))
            events.record("ordered finished")
            return ["done": true]
        }
    }

    /// Concurrent: one `chat.delta` with the text "hello", then a completion, or, when the last
    /// message's content is "wait", a wait that only cancellation ends.
    struct Chat: RPCMethod {
        static let name = "chat.complete"
        static let execution = Execution.concurrent
        let events: StubEvents

        func call(_ params: Params, context: RequestContext) async throws -> JSONValue {
            events.record("chat started \(context.id)")
            context.notify("chat.delta", ["request_id": context.id.json, "index": 0, "delta": ["content": "hello"]])
            if params["messages"]?.arrayValue?.last?["content"] == "wait" {
                try await Task.sleep(for: .seconds(3600))
            }
            return ["object": "chat.completion", "model": "stub",
                    "choices": [["index": 0, "message": ["role": "assistant", "content": "hello"], "finish_reason": "stop"]]]
        }
    }

    /// Concurrent: always throws `StubMethods.failure`.
    struct Failing: RPCMethod {
        static let name = "models.list"
        static let execution = Execution.concurrent

        func call(_ params: Params, context: RequestContext) async throws -> JSONValue {
            throw StubMethods.failure
        }
    }
}
