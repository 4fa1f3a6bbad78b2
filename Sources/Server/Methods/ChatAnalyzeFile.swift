import JSONRPC

/// `chat.analyzeFile`: asks a relay's file-reading model (`gpt-4o-all` by default) about a file
/// at a URL, in the form those models expect: one user message whose content is
/// `"<file_url> <question>"`. The result is the `chat.completion`, as for `chat.complete`.
struct ChatAnalyzeFile: RPCMethod {
    static let name = "chat.analyzeFile"
    static let execution = Execution.concurrent
    static let defaultModel = "gpt-4o-all"

    func call(_ params: Params, context: RequestContext) async throws -> JSONValue {
        let settings = try context.settings(profile: try params.string("profile"))
        let fileURL = try params.requireString("file_url")
        let lowered = fileURL.lowercased()
        guard lowered.hasPrefix("http://") || lowered.hasPrefix("https://") else {
            throw ResponseError.invalidParams(field: "file_url", "must be an http(s) URL the relay can download (local files are not uploaded)")
        }
        let question = try params.requireString("question")
        var body: JSONObject = [
            "model": .string(try params.string("model") ?? Self.defaultModel),
            "messages": [["role": "user", "content": .string("\(fileURL) \(question)")]],
        ]
        if let stream = try params.bool("stream") { body["stream"] = .bool(stream) }
        return try await ChatRunner(context: context, target: try await context.target(settings)).run(body)
    }
}
