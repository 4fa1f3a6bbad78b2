import Primitives
import JSONRPC

/// A `chat.complete` request made ready to send: Switchboard's own params removed, the model
/// defaulted, a stored conversation's history put first (`conversation_id`), the messages' local
/// files inlined (as the request's read policy allows), and the model-family rules applied.
/// `agent.run` makes its first turn the same way.
struct ChatRequest {
    var body: JSONObject
    let settings: Settings
    let model: String
    /// Send a whole answer as `chat.delta` notifications too (see `ModelFamilyRules`).
    let relayWholeAnswer: Bool
    /// The stored conversation this turn continues or starts; nil without `conversation_id`.
    let turn: ConversationTurn?

    /// - Parameter ownParams: params of the calling method that are not the API's, removed from
    ///   the body besides `profile`, `model_rules` and `conversation_id`.
    init(_ params: Params, context: RequestContext, ownParams: [String] = []) async throws {
        settings = try context.settings(profile: try params.string("profile"))
        var body = params.object
        for name in ["profile", "model_rules", "conversation_id"] + ownParams { body[name] = nil }
        guard var messages = try params.array("messages") else { throw ResponseError.invalidParams(field: "messages", "is required (an array)") }
        _ = try params.bool("stream")
        model = try params.string("model") ?? settings.defaultModel
        body["model"] = .string(model)
        // The store keeps the messages as the client wrote them (paths, not file bytes).
        turn = try await ConversationTurn.prepare(params, messages: messages, context: context, settings: settings)
        messages = turn?.messages ?? messages
        var reads = context.localReads(settings)
        body["messages"] = .array(try await BlockingIO.run { () throws(ResponseError) in try ContentInliner.inline(messages, reads: &reads) })
        var relayWholeAnswer = false
        if try params.bool("model_rules") ?? settings.modelRules {
            relayWholeAnswer = ModelFamilyRules(model: model).apply(to: &body)
        }
        self.body = body
        self.relayWholeAnswer = relayWholeAnswer
    }

    /// Runs `answer` and, for a stored conversation, stores the turn when it ends: `replies`
    /// picks the messages to store from the result (or from an error's partial result).
    func storing(replies: @escaping (JSONValue?) -> [JSONValue], _ answer: () async throws -> JSONValue) async throws -> JSONValue {
        guard let turn else { return try await answer() }
        do {
            let result = try await answer()
            return await turn.finish(result, replies: replies(result), model: model)
        } catch {
            let partial = replies((error as? PartialOutputError)?.partial)
            throw await turn.finish(error, partialReplies: partial.isEmpty ? [["role": "assistant", "content": ""]] : partial, model: model)
        }
    }
}
