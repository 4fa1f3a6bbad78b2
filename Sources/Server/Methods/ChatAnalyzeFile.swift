import JSONRPC

/// `chat.analyzeFile`: asks a relay's file-reading model (`gpt-4o-all` by default) about a file
/// at a URL, in the form those models expect: one user message whose content is
/// `"<file_url> <question>"`, after a system message when `system` is given. Every other param
/// (`temperature`, `max_tokens`, `stream`, …) is passed through as `chat.complete` passes it. The
/// result is the `chat.completion`, as for `chat.complete`.
struct ChatAnalyzeFile: RPCMethod {
    static let name = "chat.analyzeFile"
    static let execution = Execution.concurrent
    static let defaultModel = "gpt-4o-all"
    /// The params this method turns into the request rather than passing through.
    static let handled: Set<String> = ["file_url", "question", "system", "profile", "model"]

    func call(_ params: Params, context: RequestContext) async throws -> JSONValue {
        let settings = try context.settings(profile: try params.string("profile"))
        let fileURL = try params.requireString("file_url")
        let lowered = fileURL.lowercased()
        guard lowered.hasPrefix("http://") || lowered.hasPrefix("https://") else {
            throw ResponseError.invalidParams(field: "file_url", "must be an http(s) URL the relay can download (local files are not uploaded)")
        }
        let question = try params.requireString("question")
        if params["messages"] != nil {
            throw ResponseError.invalidParams(field: "messages", "is built by chat.analyzeFile from file_url, question and system (use chat.complete to send messages)")
        }
        _ = try params.bool("stream")
        var body = JSONObject([("model", .string(try params.string("model") ?? Self.defaultModel))])
        for (key, value) in params.object where !Self.handled.contains(key) { body[key] = value }
        var messages: [JSONValue] = []
        if let system = try params.string("system") { messages.append(["role": "system", "content": .string(system)]) }
        messages.append(["role": "user", "content": .string("\(fileURL) \(question)")])
        body["messages"] = .array(messages)
        return try await ChatRunner(context: context, settings: settings).run(body)
    }
}
