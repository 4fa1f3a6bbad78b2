import JSONRPC

/// Request changes for model families whose chat API differs from the usual one, so that one
/// request shape works for every model. Only OpenAI's reasoning models (`o1*`, `o3*`, `o4*`, also
/// spelled `openai/o1…`) are touched; Claude, Gemini, GPTs and the rest are plain model names.
///
/// The rules, each applied only when the request needs it:
/// - `max_tokens` becomes `max_completion_tokens` (which these models take instead); when
///   `max_completion_tokens` is already set, it wins and `max_tokens` is dropped.
/// - `system` messages become `developer` messages (o1, o3*, o4*).
/// - o1-mini and o1-preview accept neither role: system and developer text is put at the start of
///   the first user message instead.
/// - o1-mini and o1-preview refuse streaming: a streamed request is sent without `stream`, and
///   the whole answer is then relayed as `chat.delta` notifications.
///
/// Turned off by the config field `model_rules: false`, or per request by the param
/// `model_rules: false`.
struct ModelFamilyRules {
    enum Family: Equatable {
        /// Not a reasoning model: nothing changes.
        case other
        /// o1 (not -mini/-preview), o3*, o4*: `developer` instead of `system`.
        case reasoning
        /// o1-mini, o1-preview: no system or developer role, no streaming.
        case earlyReasoning
    }

    let family: Family

    init(model: String) {
        var name = model.lowercased()
        if name.hasPrefix("openai/") { name.removeFirst("openai/".count) }
        if name.hasPrefix("o1-mini") || name.hasPrefix("o1-preview") {
            family = .earlyReasoning
        } else if ["o1", "o3", "o4"].contains(where: { name.hasPrefix($0) }) {
            family = .reasoning
        } else {
            family = .other
        }
    }

    /// Rewrites `body` for the model family.
    /// - Returns: true when a requested stream was turned into a whole answer, which the caller
    ///   should relay as `chat.delta` notifications.
    func apply(to body: inout JSONObject) -> Bool {
        guard family != .other else { return false }
        if let maxTokens = body["max_tokens"] {
            if body["max_completion_tokens"]?.isNull ?? true, !maxTokens.isNull { body["max_completion_tokens"] = maxTokens }
            body["max_tokens"] = nil
        }
        if let messages = body["messages"]?.arrayValue {
            body["messages"] = .array(family == .reasoning ? Self.developerRole(messages) : Self.systemMerged(messages))
        }
        guard family == .earlyReasoning, body["stream"]?.boolValue == true else { return false }
        body["stream"] = nil
        body["stream_options"] = nil
        return true
    }

    private static func developerRole(_ messages: [JSONValue]) -> [JSONValue] {
        messages.map { message in
            guard message["role"] == "system" else { return message }
            var renamed = message
            renamed["role"] = "developer"
            return renamed
        }
    }

    /// System and developer messages removed, their text put before the first user message's.
    private static func systemMerged(_ messages: [JSONValue]) -> [JSONValue] {
        let isInstruction = { (message: JSONValue) in message["role"] == "system" || message["role"] == "developer" }
        let instructions = messages.filter(isInstruction).map { text(of: $0["content"]) }.filter { !$0.isEmpty }
        var rest = messages.filter { !isInstruction($0) }
        guard !instructions.isEmpty else { return rest }
        let preamble = instructions.joined(separator: "\n\n")
        guard let first = rest.firstIndex(where: { $0["role"] == "user" }) else {
            return [["role": "user", "content": .string(preamble)]] + rest
        }
        switch rest[first]["content"] {
        case .array(let parts)?:
            rest[first]["content"] = .array([["type": "text", "text": .string(preamble)]] + parts)
        case let content:
            let text = text(of: content)
            rest[first]["content"] = .string(text.isEmpty ? preamble : "\(preamble)\n\n\(text)")
        }
        return rest
    }

    /// A message content's text: the string, or its text parts joined.
    private static func text(of content: JSONValue?) -> String {
        if let string = content?.stringValue { return string }
        let parts = content?.arrayValue ?? []
        return parts.compactMap { $0["type"] == "text" ? $0["text"]?.stringValue : nil }.joined(separator: "\n")
    }
}
