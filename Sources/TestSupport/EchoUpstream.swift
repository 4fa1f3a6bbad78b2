import JSONRPC

extension FakeUpstream {
    /// A fake upstream with fixed, documented behaviour for client tests (editor plugins, the
    /// Python and Node clients), which cannot script responses one by one:
    ///
    /// - `GET /v1/models`: models `gpt-4o-mini` and `gpt-4o`.
    /// - `POST /v1/chat/completions`: answers `echo: <text of the last user message>`, adding
    ///   ` [N image(s)]` when that message has image parts; streamed (SSE, 3-character pieces, a
    ///   usage chunk, `[DONE]`) when the request has `stream: true`, else one `chat.completion`.
    ///   A message containing `SLOW` streams its pieces 0.2 s apart (for cancellation tests);
    ///   one containing `FAIL401` gets an OpenAI-style 401 error.
    public static func echo() throws -> FakeUpstream {
        try FakeUpstream { request in
            if request.method == "GET", request.path.hasSuffix("/models") {
                return .json(["object": "list", "data": [
                    ["id": "gpt-4o-mini", "object": "model", "created": 1, "owned_by": "echo"],
                    ["id": "gpt-4o", "object": "model", "created": 1, "owned_by": "echo"],
                ]])
            }
            guard let body = request.json, let messages = body["messages"]?.arrayValue else {
                return .error(status: 400, message: "expected a chat completion request")
            }
            let (text, images) = lastUserMessage(messages)
            if text.contains("FAIL401") {
                return .error(status: 401, message: "Incorrect API key provided", code: "invalid_api_key")
            }
            let reply = "echo: \(text)" + (images > 0 ? " [\(images) image\(images == 1 ? "" : "s")]" : "")
            let model = body["model"]?.stringValue ?? "gpt-4o-mini"
            guard body["stream"]?.boolValue == true else { return .chatCompletion(reply, model: model) }
            let pieces = stride(from: 0, to: reply.count, by: 3).map { offset -> String in
                let start = reply.index(reply.startIndex, offsetBy: offset)
                return String(reply[start..<(reply.index(start, offsetBy: 3, limitedBy: reply.endIndex) ?? reply.endIndex)])
            }
            return .chatStream(pieces, model: model, delay: text.contains("SLOW") ? 0.2 : 0)
        }
    }

    /// The text (string content or joined text parts) and image part count of the last user message.
    private static func lastUserMessage(_ messages: [JSONValue]) -> (String, Int) {
        guard let message = messages.last(where: { $0["role"] == "user" }) else { return ("", 0) }
        if let text = message["content"]?.stringValue { return (text, 0) }
        let parts = message["content"]?.arrayValue ?? []
        let text = parts.compactMap { $0["type"] == "text" ? $0["text"]?.stringValue : nil }.joined(separator: " ")
        return (text, parts.filter { $0["type"] == "image_url" }.count)
    }
}
