public import JSONRPC

/// Rebuilds a `text_completion` from the chunks of a streamed legacy completion.
public typealias CompletionStreamAssembler = StreamAssembler<TextChoice>

/// One choice of a text completion, merged from its chunks by `MergedObject`'s rules: `text`
/// concatenated, `logprobs` arrays (`tokens`, `token_logprobs`, `top_logprobs`, `text_offset`)
/// appended, other fields merged alike.
public struct TextChoice: StreamedChoice {
    public static let assembledObject = "text_completion"

    public let index: Int
    public private(set) var finishReason: JSONValue = .null
    private var fields = MergedObject()

    public init(index: Int) {
        self.index = index
    }

    public mutating func merge(_ piece: JSONValue) {
        if let reason = piece["finish_reason"], !reason.isNull { finishReason = reason }
        for (key, value) in piece.objectValue ?? JSONObject() where key != "index" && key != "finish_reason" {
            fields.merge(key, value)
        }
    }

    public var json: JSONValue {
        var choice: JSONObject = ["text": fields["text"] ?? "", "index": .number(index), "logprobs": fields["logprobs"] ?? .null,
                                  "finish_reason": finishReason]
        for (key, value) in fields.json where choice[key] == nil { choice[key] = value }
        return .object(choice)
    }
}

/// What a legacy completion stream sends the client: each chunk's choices as `completions.delta`
/// notifications `{request_id, index, text, finish_reason}`.
enum CompletionDelta {
    /// The handler for a streamed completion (`ChoiceStream` assembling the `text_completion`).
    static func stream(_ context: RequestContext) -> ChoiceStream<TextChoice> {
        ChoiceStream(context: context) { choice in notify(context, choice) }
    }

    /// Sends one choice's piece as a `completions.delta` notification.
    static func notify(_ context: RequestContext, _ choice: JSONValue) {
        context.notify("completions.delta", .object(JSONObject([
            ("request_id", context.id.json), ("index", choice["index"] ?? 0), ("text", choice["text"].flatMap { $0.isNull ? nil : $0 } ?? ""),
            ("finish_reason", choice["finish_reason"] ?? .null),
        ])))
    }
}
