import JSONRPC
import Upstream

/// Sends one chat completion request upstream and produces its `chat.completion` result,
/// relaying a stream as `chat.delta` notifications on the way.
struct ChatRunner {
    let context: RequestContext
    let target: UpstreamTarget

    /// - Parameter body: the request body as the API expects it (model, messages, ...).
    /// - Parameter relayWholeAnswer: send a non-streamed answer as `chat.delta` notifications too,
    ///   for a client that asked for a stream the model cannot give (see `ModelFamilyRules`).
    func run(_ body: JSONObject, relayWholeAnswer: Bool = false) async throws -> JSONValue {
        let streaming = body["stream"]?.boolValue == true
        let stream = ChatStream(context: context)
        return try await StreamRelay(context: context, target: target).post("chat/completions", body: StreamRelay.withUsage(body),
                                                                            handler: stream) { completion in
            // A server that ignored `stream: true` answered with one JSON object: relay each
            // choice's message as a single delta so streaming clients still see the text.
            guard streaming || relayWholeAnswer else { return }
            for choice in completion["choices"]?.arrayValue ?? [] {
                stream.notifyDelta(index: choice["index"] ?? 0, delta: choice["message"] ?? [:], finishReason: choice["finish_reason"] ?? .null)
            }
        }
    }
}

/// A chat completion stream: each chunk's choices relayed as `chat.delta` notifications and
/// merged into the `chat.completion` (`ChatStreamAssembler`).
struct ChatStream: StreamHandler {
    let context: RequestContext
    private var assembler = ChatStreamAssembler()

    init(context: RequestContext) {
        self.context = context
    }

    var terminator: String { "[DONE]" }
    var isComplete: Bool { assembler.isFinished }
    var partial: JSONValue? { assembler.hasOutput ? assembler.result() : nil }
    func result() -> JSONValue { assembler.result() }

    mutating func handle(_ event: SSEEvent, payload: JSONValue) throws -> Bool {
        if let failure = StreamRelay.failure(in: event, payload: payload, secrets: context.secrets) { throw failure }
        assembler.add(payload)
        for choice in payload["choices"]?.arrayValue ?? [] {
            notifyDelta(index: choice["index"] ?? 0, delta: choice["delta"] ?? [:], finishReason: choice["finish_reason"] ?? .null)
        }
        return false
    }

    func notifyDelta(index: JSONValue, delta: JSONValue, finishReason: JSONValue) {
        context.notify("chat.delta", .object(JSONObject([
            ("request_id", context.id.json), ("index", index), ("delta", delta), ("finish_reason", finishReason),
        ])))
    }
}
