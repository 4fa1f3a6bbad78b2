public import JSONRPC
import Upstream

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

/// A legacy completion stream: each chunk's choices relayed as `completions.delta`
/// notifications and merged into the `text_completion`.
struct CompletionStream: StreamHandler {
    let context: RequestContext
    private var assembler = CompletionStreamAssembler()

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
        for choice in payload["choices"]?.arrayValue ?? [] { notify(choice) }
        return false
    }

    /// Sends one choice's piece as a `completions.delta` notification.
    func notify(_ choice: JSONValue) {
        context.notify("completions.delta", .object(JSONObject([
            ("request_id", context.id.json), ("index", choice["index"] ?? 0), ("text", choice["text"].flatMap { $0.isNull ? nil : $0 } ?? ""),
            ("finish_reason", choice["finish_reason"] ?? .null),
        ])))
    }
}
