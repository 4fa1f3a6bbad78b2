import JSONRPC

/// `chat.complete`: POST /chat/completions with every field passed through; streams
/// `chat.delta` notifications when `stream` is true; the result is the full `chat.completion`.
/// Reasoning models get the request shape they need (`ModelFamilyRules`) unless `model_rules`
/// (param, else config) is false.
struct ChatComplete: RPCMethod {
    static let name = "chat.complete"
    static let execution = Execution.concurrent

    func call(_ params: Params, context: RequestContext) async throws -> JSONValue {
        let request = try await ChatRequest(params, context: context)
        return try await ChatRunner(context: context, settings: request.settings).run(request.body, relayWholeAnswer: request.relayWholeAnswer)
    }
}
