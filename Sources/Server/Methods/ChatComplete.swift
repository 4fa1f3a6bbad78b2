import JSONRPC

/// `chat.complete`: POST /chat/completions with every field passed through; streams
/// `chat.delta` notifications when `stream` is true; the result is the full `chat.completion`.
/// Reasoning models get the request shape they need (`ModelFamilyRules`) unless `model_rules`
/// (param, else config) is false. With `conversation_id` the turn continues (or starts) a stored
/// conversation.
struct ChatComplete: RPCMethod {
    static let name = "chat.complete"
    static let execution = Execution.concurrent

    func call(_ params: Params, context: RequestContext) async throws -> JSONValue {
        let request = try await ChatRequest(params, context: context)
        return try await request.storing(replies: { Self.reply(in: $0).map { [$0] } ?? [] }) {
            try await ChatRunner(context: context, settings: request.settings).run(request.body, relayWholeAnswer: request.relayWholeAnswer)
        }
    }

    /// The first choice's message of a `chat.completion` (the one a conversation goes on with).
    private static func reply(in completion: JSONValue?) -> JSONValue? {
        completion?["choices"]?.arrayValue?.first?["message"]
    }
}
