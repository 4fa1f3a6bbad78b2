import JSONRPC

/// `session/load`'s replay: a stored conversation sent to the editor as the `session/update`s it
/// would have seen — a user message as `user_message_chunk`s (text, and images from their
/// data: URLs), an assistant's text as `agent_message_chunk` (its reasoning, when stored, as
/// `agent_thought_chunk`), each of its tool calls as one `tool_call` in its final state
/// (`completed` with the result's text, or `failed` when no result was stored). System messages
/// are left out.
enum SessionReplay {
    static func send(_ messages: [JSONValue], to updates: SessionUpdates, cwd: String) {
        var results: [String: String] = [:]
        for message in messages where message["role"] == "tool" {
            if let id = message["tool_call_id"]?.stringValue { results[id] = MessageContent.text(message["content"]) }
        }
        for message in messages {
            switch message["role"]?.stringValue {
            case "user":
                for block in userBlocks(message["content"]) {
                    updates.send(JSONObject([("sessionUpdate", "user_message_chunk"), ("content", block)]))
                }
            case "assistant":
                for key in ["reasoning_content", "reasoning"] {
                    if let thought = message[key]?.stringValue, !thought.isEmpty { updates.text(thought, thought: true) }
                }
                let text = MessageContent.text(message["content"])
                if !text.isEmpty { updates.text(text) }
                for call in message["tool_calls"]?.arrayValue ?? [] { toolCall(call, result: results, updates: updates, cwd: cwd) }
            default:
                break
            }
        }
    }

    /// A user message's content as ACP content blocks.
    private static func userBlocks(_ content: JSONValue?) -> [JSONValue] {
        guard let parts = content?.arrayValue else {
            let text = content?.stringValue ?? ""
            return text.isEmpty ? [] : [["type": "text", "text": .string(text)]]
        }
        return parts.compactMap { part -> JSONValue? in
            if part["type"] == "text" { return ["type": "text", "text": part["text"] ?? ""] }
            guard let url = part["image_url"]?["url"]?.stringValue, url.hasPrefix("data:"),
                  let comma = url.firstIndex(of: ","), let semicolon = url.firstIndex(of: ";") else { return nil }
            return ["type": "image", "mimeType": .string(String(url[url.index(url.startIndex, offsetBy: 5)..<semicolon])),
                    "data": .string(String(url[url.index(after: comma)...]))]
        }
    }

    private static func toolCall(_ call: JSONValue, result results: [String: String], updates: SessionUpdates, cwd: String) {
        let id = call["id"]?.stringValue ?? ""
        let name = call["function"]?["name"]?.stringValue ?? ""
        let arguments = call["function"]?["arguments"]?.stringValue.flatMap { try? JSONParser.parse($0) }
        var update = PromptNotifications.announcement(id, name: name, server: nil, arguments: arguments,
                                                      status: results[id] == nil ? "failed" : "completed", cwd: cwd)
        if let result = results[id] { update["content"] = PromptNotifications.textContent(result) }
        updates.send(update)
    }
}

/// The text of a chat message's `content`: a string, or its text parts joined.
enum MessageContent {
    static func text(_ content: JSONValue?) -> String {
        if let text = content?.stringValue { return text }
        return (content?.arrayValue ?? []).compactMap { $0["type"] == "text" ? $0["text"]?.stringValue : nil }.joined()
    }
}
