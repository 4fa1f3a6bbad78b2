import JSONRPC

/// `completions.create`: POST /completions, the legacy text completion endpoint that local
/// servers (llama-server, vLLM, Ollama) still serve and inline code completion is built on:
/// `prompt`, and `suffix` for fill-in-the-middle. Every field is passed through (`model`
/// defaults to `default_model`). With `stream: true` each chunk's choices are relayed as
/// `completions.delta` notifications `{request_id, index, text, finish_reason}`, and the result
/// is the `text_completion` assembled from the stream.
struct CompletionsCreate: RPCMethod {
    static let name = "completions.create"
    static let execution = Execution.concurrent

    func call(_ params: Params, context: RequestContext) async throws -> JSONValue {
        let settings = try context.settings(profile: try params.string("profile"))
        try EmbeddingsCreate.checkInput(params["prompt"], field: "prompt")
        _ = try params.string("suffix")
        let streaming = try params.bool("stream") ?? false
        var body = params.object
        body["profile"] = nil
        body["model"] = .string(try params.string("model") ?? settings.defaultModel)
        return try await StreamRelay(context: context, target: try await context.target(settings))
            .post("completions", body: StreamRelay.withUsage(body, enabled: settings.streamUsage), handler: CompletionDelta.stream(context)) { completion in
                // A server that ignored `stream: true`: each choice's text as one notification.
                guard streaming else { return }
                for choice in completion["choices"]?.arrayValue ?? [] { CompletionDelta.notify(context, choice) }
            }
    }
}
