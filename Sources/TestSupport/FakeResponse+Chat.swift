import JSONRPC

/// Canned chat-completion answers shaped like the OpenAI API's.
///
/// Every one uses id `chatcmpl-test`, created `1700000000` and usage with `prompt_tokens` 10.
extension FakeResponse {
    /// The `prompt_tokens` reported by the canned chat answers.
    public static let cannedPromptTokens = 10

    /// A streamed chat completion (SSE): a first chunk with role "assistant" and content "", one chunk
    /// per piece with that content delta, a finish chunk (empty delta, finish_reason "stop"), then a
    /// usage chunk (`choices: []`; completion_tokens = number of pieces), then `[DONE]` when `done`.
    /// `delay` seconds pass between events.
    public static func chatStream(
        _ pieces: [String], model: String = "gpt-4o-mini", delay: Double = 0, done: Bool = true
    ) -> FakeResponse {
        func chunk(delta: JSONValue, finishReason: JSONValue) -> String {
            chatChunk(model: model, choices: [
                ["index": 0, "delta": delta, "logprobs": .null, "finish_reason": finishReason],
            ]).jsonText
        }
        var payloads = [chunk(delta: ["role": "assistant", "content": ""], finishReason: .null)]
        for piece in pieces {
            payloads.append(chunk(delta: ["content": .string(piece)], finishReason: .null))
        }
        payloads.append(chunk(delta: [:], finishReason: "stop"))
        var usageChunk = chatChunk(model: model, choices: [])
        usageChunk["usage"] = usage(completionTokens: pieces.count)
        payloads.append(usageChunk.jsonText)
        return sse(payloads, done: done, delay: delay)
    }

    /// A non-streamed `chat.completion` whose single choice is an assistant message with `content`
    /// (finish_reason "stop"); completion_tokens is the number of whitespace-separated words.
    public static func chatCompletion(_ content: String, model: String = "gpt-4o-mini") -> FakeResponse {
        let words = content.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" }).count
        let message: JSONValue = ["role": "assistant", "content": .string(content), "refusal": .null]
        let completion: JSONValue = [
            "id": "chatcmpl-test",
            "object": "chat.completion",
            "created": 1_700_000_000,
            "model": .string(model),
            "choices": [["index": 0, "message": message, "logprobs": .null, "finish_reason": "stop"]],
            "usage": usage(completionTokens: words),
        ]
        return json(completion)
    }

    /// A tool call a canned answer makes: its id, the function's name and its arguments (JSON text).
    public struct ToolCall: Sendable {
        public var id: String
        public var name: String
        public var arguments: String

        public init(id: String, name: String, arguments: String) {
            self.id = id
            self.name = name
            self.arguments = arguments
        }
    }

    /// A streamed answer that calls `calls`, as the API streams them: a first chunk per call with
    /// its index, id, type and name and empty arguments, then the arguments in two pieces, then a
    /// finish chunk (finish_reason "tool_calls"), a usage chunk (completion_tokens 5) and `[DONE]`.
    public static func toolCallStream(_ calls: [ToolCall], model: String = "gpt-4o-mini") -> FakeResponse {
        func chunk(delta: JSONValue, finishReason: JSONValue) -> String {
            chatChunk(model: model, choices: [["index": 0, "delta": delta, "logprobs": .null, "finish_reason": finishReason]]).jsonText
        }
        var payloads = [chunk(delta: ["role": "assistant", "content": .null], finishReason: .null)]
        for (index, call) in calls.enumerated() {
            payloads.append(chunk(delta: ["tool_calls": [["index": .number(JSONNumber(index)), "id": .string(call.id), "type": "function",
                                                          "function": ["name": .string(call.name), "arguments": ""]]]], finishReason: .null))
            let middle = call.arguments.index(call.arguments.startIndex, offsetBy: call.arguments.count / 2)
            for piece in [call.arguments[..<middle], call.arguments[middle...]] where !piece.isEmpty {
                payloads.append(chunk(delta: ["tool_calls": [["index": .number(JSONNumber(index)), "function": ["arguments": .string(String(piece))]]]],
                                      finishReason: .null))
            }
        }
        payloads.append(chunk(delta: [:], finishReason: "tool_calls"))
        var usageChunk = chatChunk(model: model, choices: [])
        usageChunk["usage"] = usage(completionTokens: 5)
        payloads.append(usageChunk.jsonText)
        return sse(payloads)
    }

    /// A non-streamed `chat.completion` that calls `calls` (finish_reason "tool_calls", content null).
    public static func toolCallCompletion(_ calls: [ToolCall], model: String = "gpt-4o-mini") -> FakeResponse {
        let toolCalls: [JSONValue] = calls.map {
            ["id": .string($0.id), "type": "function", "function": ["name": .string($0.name), "arguments": .string($0.arguments)]]
        }
        let message: JSONValue = ["role": "assistant", "content": .null, "tool_calls": .array(toolCalls)]
        return json([
            "id": "chatcmpl-test", "object": "chat.completion", "created": 1_700_000_000, "model": .string(model),
            "choices": [["index": 0, "message": message, "logprobs": .null, "finish_reason": "tool_calls"]],
            "usage": usage(completionTokens: 5),
        ])
    }

    private static func chatChunk(model: String, choices: [JSONValue]) -> JSONValue {
        [
            "id": "chatcmpl-test",
            "object": "chat.completion.chunk",
            "created": 1_700_000_000,
            "model": .string(model),
            "choices": .array(choices),
        ]
    }

    private static func usage(completionTokens: Int) -> JSONValue {
        [
            "prompt_tokens": .number(cannedPromptTokens),
            "completion_tokens": .number(completionTokens),
            "total_tokens": .number(cannedPromptTokens + completionTokens),
        ]
    }
}
