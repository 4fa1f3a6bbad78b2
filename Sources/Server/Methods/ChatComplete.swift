import JSONRPC

/// `chat.complete`: POST /chat/completions with every field passed through; streams
/// `chat.delta` notifications when `stream` is true; the result is the full `chat.completion`.
struct ChatComplete: RPCMethod {
    static let name = "chat.complete"
    static let execution = Execution.concurrent

    func call(_ params: Params, context: RequestContext) async throws -> JSONValue {
        let settings = try context.settings(profile: try params.string("profile"))
        var body = params.object
        body["profile"] = nil
        guard let messages = try params.array("messages") else { throw ResponseError.invalidParams(field: "messages", "is required (an array)") }
        _ = try params.bool("stream")
        if try params.string("model") == nil { body["model"] = .string(settings.defaultModel) }
        body["messages"] = .array(try ImageInliner.inline(messages, maxBytes: settings.maxFileBytes))
        return try await ChatRunner(context: context, target: try context.target(settings)).run(body)
    }
}
