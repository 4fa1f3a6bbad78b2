public import JSONRPC

/// Rebuilds a `chat.completion` object from the `chat.completion.chunk`s of a stream, so that a
/// streamed request and a non-streamed one give the same result.
public typealias ChatStreamAssembler = StreamAssembler<ChatChoice>

/// One choice of a chat completion, merged from its deltas.
///
/// The message is merged by `MergedObject`'s rules: every field the deltas carried is kept
/// (content, reasoning and refusal text concatenated, audio `data` and `transcript` concatenated
/// with `id` and `expires_at` kept, legacy `function_call` pieces joined, `annotations`
/// appended, tool calls merged by their `index`, unknown fields by the same rules). `logprobs`
/// are merged the same way (their arrays appended).
public struct ChatChoice: StreamedChoice {
    public static let assembledObject = "chat.completion"

    public let index: Int
    public private(set) var finishReason: JSONValue = .null
    private var message = MergedObject()
    /// Text appended by `appendContent` not yet merged into `message`: merged before anything
    /// else is, so the text keeps its order.
    private var pendingContent = ""
    private var logprobs: MergedObject?

    public init(index: Int) {
        self.index = index
    }

    /// Merges one choice of a chunk (its `delta`, or the `message` of a non-streamed answer).
    public mutating func merge(_ piece: JSONValue) {
        mergePendingContent()
        if let reason = piece["finish_reason"], !reason.isNull { finishReason = reason }
        if let pieces = piece["logprobs"]?.objectValue {
            var merged = logprobs ?? MergedObject()
            logprobs = nil
            merged.merge(pieces)
            logprobs = merged
        }
        guard let delta = piece["delta"]?.objectValue ?? piece["message"]?.objectValue else { return }
        message.merge(delta)
    }

    public static var takesCompactChatChunks: Bool { true }

    public mutating func appendContent(_ text: String) {
        pendingContent.append(text)
    }

    private mutating func mergePendingContent() {
        guard !pendingContent.isEmpty else { return }
        message.merge("content", .string(pendingContent))
        pendingContent = ""
    }

    public var json: JSONValue {
        var whole = self
        whole.mergePendingContent()
        var assembled = whole.message.json
        let role = assembled["role"].flatMap { $0.isNull ? nil : $0 } ?? "assistant"
        var result: JSONObject = ["role": role, "content": assembled["content"] ?? .null]
        if let calls = assembled["tool_calls"]?.arrayValue { assembled["tool_calls"] = .array(calls.map(Self.completeToolCall)) }
        for (key, value) in assembled where key != "role" && key != "content" { result[key] = value }
        return [
            "index": .number(index),
            "message": .object(result),
            "logprobs": logprobs.map { .object($0.json) } ?? .null,
            "finish_reason": finishReason,
        ]
    }

    /// A function tool call has `id`, `type` and `function.name`/`arguments` even when a server
    /// left some out (other call types are kept as they came).
    private static func completeToolCall(_ call: JSONValue) -> JSONValue {
        guard var object = call.objectValue, (object["type"]?.stringValue ?? "function") == "function" else { return call }
        var function = object["function"]?.objectValue ?? JSONObject()
        var result: JSONObject = ["id": object["id"] ?? "", "type": "function"]
        function["name"] = function["name"] ?? ""
        function["arguments"] = function["arguments"] ?? ""
        object["function"] = .object(function)
        for (key, value) in object where key != "id" && key != "type" { result[key] = value }
        return .object(result)
    }
}
