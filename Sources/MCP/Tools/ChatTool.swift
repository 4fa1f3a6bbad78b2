import JSONRPC

/// `chat`: one question (`prompt`, optionally `system`) or a whole conversation (`messages`) to
/// a model, through `chat.complete`. The text content is the answer; `structuredContent` is kept
/// small, `{text, model, usage}` (a host may hand it whole to its model): the answer text, the
/// model that wrote it and the tokens it cost.
struct ChatTool: Tool {
    let name = "chat"
    let title = "Ask a model"
    let summary = """
        Ask a model of the configured OpenAI-compatible API and get its answer, e.g. for a second opinion \
        from another model. Give `prompt` (with an optional `system` instruction) for one question, or \
        `messages` for a whole conversation; `model` picks the model (default: the configured default_model). \
        The other arguments are the chat completions API's own options (temperature, max_tokens, \
        response_format, ...). With a progress token the answer streams as progress notifications, each \
        carrying the newly arrived text.
        """
    let annotations = ToolAnnotations(readOnly: true)

    func inputSchema(_ schemas: MethodSchemas) -> ObjectSchema {
        schemas.params("chat.complete")
            .removing("stream", "stream_options")
            .adding("system", ["type": "string", "description": "A system instruction placed before the conversation."], first: true)
            .adding("prompt", ["type": "string", "description": "The question: sent as the last user message (after `messages`, if any)."],
                    first: true)
            .requiring([])
    }

    func outputSchema(_ schemas: MethodSchemas) -> JSONValue {
        .object(JSONObject([
            ("type", "object"), ("required", ["text"]),
            ("properties", .object(JSONObject([
                ("text", ["type": "string", "description": "The answer, as the text content gives it (each choice's text when there are several)."]),
                ("model", ["type": "string", "description": "The model that answered, as the API named it."]),
                ("usage", ["anyOf": [schemas.component("Usage"), ["type": "null"]], "description": "The tokens the answer cost, when the API said."]),
            ]))),
        ]))
    }

    func call(_ arguments: Params, context: ToolContext) async throws(ResponseError) -> ToolResult {
        let progress = DeltaProgress(context.progress)
        var params = arguments.object
        params["prompt"] = nil
        params["system"] = nil
        params["stream"] = progress.wantsStream ? true : nil
        params["stream_options"] = nil
        var messages: [JSONValue] = []
        if let system = try arguments.string("system") { messages.append(["role": "system", "content": .string(system)]) }
        messages += try arguments.array("messages") ?? []
        if let prompt = try arguments.string("prompt") { messages.append(["role": "user", "content": .string(prompt)]) }
        guard messages.contains(where: { $0["role"] != "system" }) else {
            throw .invalidParams(field: "prompt", "is required: give prompt (a question) or messages (a conversation)")
        }
        params["messages"] = .array(messages)
        let completion = try await context.call("chat.complete", params, onNotification: progress.relay)
        context.log(.info, "answered by \(completion["model"]?.stringValue ?? "the model")")
        return ToolResult([.text(Self.answer(completion))], structured: Self.structured(completion))
    }

    /// The structured content: `{text, model?, usage?}` of `completion`.
    static func structured(_ completion: JSONValue) -> JSONValue {
        var structured: JSONObject = ["text": .string(answer(completion))]
        if let model = completion["model"]?.stringValue { structured["model"] = .string(model) }
        if let usage = completion["usage"] { structured["usage"] = usage }
        return .object(structured)
    }

    /// The answer as a model should read it: each choice's text, with what else it holds said.
    static func answer(_ completion: JSONValue) -> String {
        let choices = completion["choices"]?.arrayValue ?? []
        let texts = choices.map { choice -> String in
            var text = choice["message"]?["content"]?.stringValue ?? ""
            if let refusal = choice["message"]?["refusal"]?.stringValue { text += "(refused: \(refusal))" }
            if let calls = choice["message"]?["tool_calls"]?.arrayValue, !calls.isEmpty {
                text += (text.isEmpty ? "" : "\n") + "The model asked to call tools: \(JSONValue.array(calls).jsonText)"
            }
            if choice["finish_reason"] == "length" { text += "\n(cut short: the token limit was reached)" }
            return text
        }
        guard texts.count > 1 else { return texts.first ?? "" }
        return texts.enumerated().map { "Choice \($0.offset + 1):\n\($0.element)" }.joined(separator: "\n\n")
    }
}
