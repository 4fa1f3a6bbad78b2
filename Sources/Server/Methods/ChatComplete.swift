import Primitives
import JSONRPC
import Upstream

/// `chat.complete`: POST /chat/completions with every field passed through; streams
/// `chat.delta` notifications when `stream` is true; the result is the full `chat.completion`.
/// Reasoning models get the request shape they need (`ModelFamilyRules`) unless `model_rules`
/// (param, else config) is false.
struct ChatComplete: RPCMethod {
    static let name = "chat.complete"
    static let execution = Execution.concurrent

    func call(_ params: Params, context: RequestContext) async throws -> JSONValue {
        let settings = try context.settings(profile: try params.string("profile"))
        var body = params.object
        body["profile"] = nil
        body["model_rules"] = nil
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
        return try await ChatRunner(context: context, settings: settings).run(body, relayWholeAnswer: relayWholeAnswer)
    }
}
