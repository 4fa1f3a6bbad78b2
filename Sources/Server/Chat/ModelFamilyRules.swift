import JSONRPC

/// Request changes for model families whose chat API differs from the usual one, so that one
/// request shape works for every model. The families and what each needs are data: the table
/// `ModelFamilyRules.families` below (documented in protocol/README.md, "Model-family rules");
/// a model that matches no row is a plain name and its request goes out untouched.
///
/// A model name is matched after removing a relay's provider prefix (`openai/`, `azure/`), then
/// against each row's name prefixes in order, the first match winning. A prefix matches at a
/// name boundary only (the name ends, or goes on with `-` or `.`): `o1` matches `o1` and
/// `o1-2024-12-17`, not `o1x`; a prefix ending in `.` (`gpt-5.`) matches whatever follows.
///
/// Where the facts are unsure (a parameter a family may or may not take), the rules leave the
/// request alone, so that the upstream's own error reaches the user unchanged.
///
/// Turned off by the config field `model_rules: false`, or per request by the param
/// `model_rules: false`.
struct ModelFamilyRules {
    /// One change a family's requests need.
    enum Rule: Equatable, Sendable {
        /// `max_tokens` becomes `max_completion_tokens`; an explicit `max_completion_tokens` wins.
        case maxCompletionTokens
        /// `system` messages become `developer` messages.
        case developerRole
        /// No instructions role at all: system and developer text goes to the first user message.
        case instructionsInFirstUserMessage
        /// Sampling parameters are fixed: a value other than the default is removed.
        case defaultSamplingOnly
        /// As `defaultSamplingOnly`, except with `reasoning_effort: "none"` (no reasoning), when
        /// the model takes sampling parameters like any other.
        case defaultSamplingOnlyWhileReasoning
        /// The model cannot stream: a streamed request is sent whole and relayed as deltas.
        case noStreaming
    }

    /// A row of the table: which names, and their rules.
    struct Family: Sendable {
        /// How the docs and errors name it.
        let name: String
        /// Model-name prefixes (after the provider prefix), matched at a name boundary.
        let prefixes: [String]
        /// When set, the name must also contain this (`gpt-5-chat-latest`, `gpt-5.1-chat-latest`).
        var containing: String? = nil
        let rules: [Rule]

        func matches(_ name: String) -> Bool {
            if let containing, !name.contains(containing) { return false }
            return prefixes.contains { prefix in
                guard name.hasPrefix(prefix) else { return false }
                let rest = name.dropFirst(prefix.count)
                return rest.isEmpty || prefix.last == "." || rest.first == "-" || rest.first == "."
            }
        }
    }

    /// Relay prefixes removed before matching: `openai/gpt-5-mini` is `gpt-5-mini`.
    static let providerPrefixes = ["openai/", "azure/"]

    /// Sampling parameters and the only values reasoning models take for them.
    static let samplingDefaults: [(name: String, value: Double)] = [
        ("temperature", 1), ("top_p", 1), ("presence_penalty", 0), ("frequency_penalty", 0),
    ]

    /// The families, first match wins. Facts: OpenAI's API reference and reasoning guide, and the
    /// errors the API answers (`Unsupported parameter: 'max_tokens' … Use 'max_completion_tokens'`,
    /// `Unsupported value: 'temperature' does not support 0.3 with this model. Only the default (1)
    /// value is supported.`).
    static let families: [Family] = [
        // GPT-5 chat models (gpt-5-chat-latest, gpt-5.1-chat-latest …) are not reasoning models.
        Family(name: "gpt-5 chat", prefixes: ["gpt-5"], containing: "-chat", rules: []),
        // gpt-5.1 and later: reasoning_effort "none" turns reasoning off, and sampling back on.
        Family(name: "gpt-5.1 and later", prefixes: ["gpt-5."],
               rules: [.maxCompletionTokens, .developerRole, .defaultSamplingOnlyWhileReasoning]),
        Family(name: "gpt-5", prefixes: ["gpt-5"], rules: [.maxCompletionTokens, .developerRole, .defaultSamplingOnly]),
        Family(name: "o1-mini, o1-preview", prefixes: ["o1-mini", "o1-preview"],
               rules: [.maxCompletionTokens, .instructionsInFirstUserMessage, .defaultSamplingOnly, .noStreaming]),
        Family(name: "o-series", prefixes: ["o1", "o3", "o4"], rules: [.maxCompletionTokens, .developerRole, .defaultSamplingOnly]),
    ]

    /// The family `model` belongs to; nil for a plain model name.
    let family: Family?

    init(model: String) {
        var name = model.lowercased()
        for prefix in Self.providerPrefixes where name.hasPrefix(prefix) { name.removeFirst(prefix.count) }
        family = Self.families.first { $0.matches(name) }
    }

    private func has(_ rule: Rule) -> Bool { family?.rules.contains(rule) ?? false }

    /// Rewrites `body` for the model family.
    /// - Returns: true when a requested stream was turned into a whole answer, which the caller
    ///   should relay as `chat.delta` notifications.
    func apply(to body: inout JSONObject) -> Bool {
        if has(.maxCompletionTokens), let maxTokens = body["max_tokens"] {
            if body["max_completion_tokens"]?.isNull ?? true, !maxTokens.isNull { body["max_completion_tokens"] = maxTokens }
            body["max_tokens"] = nil
        }
        if let messages = body["messages"]?.arrayValue {
            if has(.developerRole) { body["messages"] = .array(Self.developerRole(messages)) }
            if has(.instructionsInFirstUserMessage) { body["messages"] = .array(Self.systemMerged(messages)) }
        }
        let reasoningOff = body["reasoning_effort"]?.stringValue == "none"
        if has(.defaultSamplingOnly) || (has(.defaultSamplingOnlyWhileReasoning) && !reasoningOff) {
            for (name, value) in Self.samplingDefaults {
                if let given = body[name]?.doubleValue, given != value { body[name] = nil }
            }
        }
        guard has(.noStreaming), body["stream"]?.boolValue == true else { return false }
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
