import Primitives
import JSONRPC
import Upstream

/// `chat.complete`: POST /chat/completions with every field passed through; streams
/// `chat.delta` notifications when `stream` is true; the result is the full `chat.completion`.
/// Reasoning models get the request shape they need (`ModelFamilyRules`) unless `model_rules`
/// (param, else config) is false. With `conversation_id`, the turn is part of a stored
/// conversation (`ConversationTurn`): its history goes first, and the turn is stored when it ends.
struct ChatComplete: RPCMethod {
    static let name = "chat.complete"
    static let execution = Execution.concurrent

    func call(_ params: Params, context: RequestContext) async throws -> JSONValue {
        let settings = try context.settings(profile: try params.string("profile"))
        var body = params.object
        body["profile"] = nil
        body["model_rules"] = nil
        body["conversation_id"] = nil
        guard var messages = try params.array("messages") else { throw ResponseError.invalidParams(field: "messages", "is required (an array)") }
        _ = try params.bool("stream")
        let model = try params.string("model") ?? settings.defaultModel
        body["model"] = .string(model)
        let turn = try await ConversationTurn.prepare(params, messages: messages, context: context, settings: settings)
        messages = turn?.messages ?? messages
        var reads = context.localReads(settings)
        body["messages"] = .array(try await BlockingIO.run { () throws(ResponseError) in try ContentInliner.inline(messages, reads: &reads) })
        var relayWholeAnswer = false
        if try params.bool("model_rules") ?? settings.modelRules {
            relayWholeAnswer = ModelFamilyRules(model: model).apply(to: &body)
        }
        guard let turn else { return try await ChatRunner(context: context, settings: settings).run(body, relayWholeAnswer: relayWholeAnswer) }
        do {
            let result = try await ChatRunner(context: context, settings: settings).run(body, relayWholeAnswer: relayWholeAnswer)
            return await turn.finish(result, replies: Self.reply(in: result).map { [$0] } ?? [], model: model)
        } catch {
            let partial = (error as? PartialOutputError)?.partial.flatMap(Self.reply(in:))
            throw await turn.finish(error, partialReplies: [partial ?? ["role": "assistant", "content": ""]], model: model)
        }
    }

    /// The first choice's message of a `chat.completion` (the one a conversation goes on with).
    private static func reply(in completion: JSONValue) -> JSONValue? {
        completion["choices"]?.arrayValue?.first?["message"]
    }
}
