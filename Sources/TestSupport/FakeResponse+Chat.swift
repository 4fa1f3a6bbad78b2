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
