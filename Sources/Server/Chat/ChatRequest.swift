import Primitives
import JSONRPC

/// A `chat.complete` request made ready to send: Switchboard's own params removed, the model
/// defaulted, the messages' local files inlined (as the request's read policy allows), and the
/// model-family rules applied. `agent.run` makes its first turn the same way.
struct ChatRequest {
    var body: JSONObject
    let settings: Settings
    /// Send a whole answer as `chat.delta` notifications too (see `ModelFamilyRules`).
    let relayWholeAnswer: Bool

    /// - Parameter ownParams: params of the calling method that are not the API's, removed from
    ///   the body besides `profile` and `model_rules`.
    init(_ params: Params, context: RequestContext, ownParams: [String] = []) async throws {
        settings = try context.settings(profile: try params.string("profile"))
        var body = params.object
        for name in ["profile", "model_rules"] + ownParams { body[name] = nil }
        guard let messages = try params.array("messages") else { throw ResponseError.invalidParams(field: "messages", "is required (an array)") }
        _ = try params.bool("stream")
        let model = try params.string("model") ?? settings.defaultModel
        body["model"] = .string(model)
        var reads = context.localReads(settings)
        body["messages"] = .array(try await BlockingIO.run { () throws(ResponseError) in try ContentInliner.inline(messages, reads: &reads) })
        var relayWholeAnswer = false
        if try params.bool("model_rules") ?? settings.modelRules {
            relayWholeAnswer = ModelFamilyRules(model: model).apply(to: &body)
        }
        self.body = body
        self.relayWholeAnswer = relayWholeAnswer
    }
}
