import JSONRPC
import Upstream

/// Sends one chat completion request upstream and produces its `chat.completion` result,
/// relaying a stream as `chat.delta` notifications on the way.
struct ChatRunner {
    let context: RequestContext
    let target: UpstreamTarget
    /// Whether a stream is asked to end with a usage chunk (config `stream_usage`).
    let streamUsage: Bool

    /// A runner for one request with `settings`: their upstream target and `stream_usage`.
    init(context: RequestContext, settings: Settings) async throws {
        self.context = context
        target = try await context.target(settings)
        streamUsage = settings.streamUsage
    }

    /// - Parameter body: the request body as the API expects it (model, messages, ...).
    /// - Parameter relayWholeAnswer: send a non-streamed answer as `chat.delta` notifications too,
    ///   for a client that asked for a stream the model cannot give (see `ModelFamilyRules`).
    func run(_ body: JSONObject, relayWholeAnswer: Bool = false) async throws -> JSONValue {
        let streaming = body["stream"]?.boolValue == true
        let stream = ChoiceStream<ChatChoice>(context: context, notify: { [context] choice in
            Self.notifyDelta(context, choice: choice, delta: choice["delta"])
        }, notifyContent: { [context] index, content in
            Self.notifyContent(context, index: index, content: content)
        })
        return try await StreamRelay(context: context, target: target).post("chat/completions", body: StreamRelay.withUsage(body, enabled: streamUsage),
                                                                            handler: stream) { [context] completion in
            // A server that ignored `stream: true` answered with one JSON object: relay each
            // choice's message as a single delta so streaming clients still see the text.
            guard streaming || relayWholeAnswer else { return }
            for choice in completion["choices"]?.arrayValue ?? [] { Self.notifyDelta(context, choice: choice, delta: choice["message"]) }
        }
    }

    /// Sends one `chat.delta` notification for a choice of a chunk (or of a whole answer).
    private static func notifyDelta(_ context: RequestContext, choice: JSONValue, delta: JSONValue?) {
        context.notify("chat.delta", .object(JSONObject(distinctKeys: [
            ("request_id", context.id.json), ("index", choice["index"] ?? 0), ("delta", delta ?? [:]),
            ("finish_reason", choice["finish_reason"] ?? .null),
        ])))
    }

    /// Sends the `chat.delta` of a chunk of the common shape (`CompactChatChunk`), encoded
    /// directly: byte for byte what `notifyDelta` sends for its choice.
    static func notifyContent(_ context: RequestContext, index: Int, content: String) {
        let message = OutgoingMessage.encodedNotification("chat.delta", capacity: content.utf8.count + 144) { params in
            params.append(contentsOf: #"{"request_id":"#.utf8)
            context.id.json.write(into: &params)
            params.append(contentsOf: #","index":"#.utf8)
            params.append(contentsOf: String(index).utf8)
            params.append(contentsOf: #","delta":{"content":"#.utf8)
            JSONValue.string(content).write(into: &params)
            params.append(contentsOf: #"},"finish_reason":null}"#.utf8)
        }
        context.notify(encodedNotification: message)
    }
}
