import Primitives
public import JSONRPC
import Store

/// One turn of a stored conversation, for any method that talks to a model with chat messages
/// (`chat.complete`, `agent.run`): the `conversation_id` param read, the stored history put
/// before the request's messages, and the turn's messages stored when it ends.
///
/// ```swift
/// let turn = try await ConversationTurn.prepare(params, messages: messages, context: context, settings: settings)
/// body["messages"] = .array(turn?.messages ?? messages)         // history + the request's messages
/// do {
///     let result = try await run(body)
///     return await turn?.finish(result, replies: [answerMessage], model: model) ?? result
/// } catch {
///     throw await turn?.finish(error, partialReplies: [partialMessage], model: model) ?? error
/// }
/// ```
///
/// Nothing is written before the turn ends, so a turn that fails is not kept, question included
/// (as the editors' chat format leaves out an answer that is only an error); a cancelled turn is
/// kept, its last reply marked `cancelled`. A failure to write never fails the turn: the result
/// gets `store_error` (and the log a line) instead.
public struct ConversationTurn: Sendable {
    /// The conversation's id: the one given, or a new one for `"new"`.
    public let id: String
    /// Whether the conversation starts with this turn (`"new"`).
    public let isNew: Bool
    /// The stored messages before this turn (as the API takes them: no status marks).
    public let history: [JSONValue]
    /// The request's own messages: what this turn adds before the replies.
    public let newMessages: [JSONValue]
    private let store: ConversationStore
    private let context: RequestContext
    /// Names a new conversation with a model, when config `title_model` is set.
    private let titler: ConversationTitler?

    /// What to send upstream: the history followed by the request's messages.
    public var messages: [JSONValue] { history + newMessages }

    /// Reads `conversation_id` from `params`: nil when it is absent (nothing is stored), else the
    /// turn, the history of an existing conversation read.
    /// - Parameter messages: the request's messages, as the client sent them (before local files
    ///   are inlined, so that the store keeps paths, not their bytes).
    /// - Throws: -32602 for an id that is not a string or names no conversation; -32008 when the
    ///   store is off (`store: false`) or cannot be opened.
    public static func prepare(_ params: Params, messages: [JSONValue], context: RequestContext,
                               settings: Settings) async throws(ResponseError) -> ConversationTurn? {
        guard let requested = try params.string("conversation_id") else { return nil }
        guard !requested.isEmpty else { throw .invalidParams(field: "conversation_id", "must be \"new\" or a conversation's id") }
        let isNew = requested == "new"
        let id = isNew ? ConversationID.make() : requested
        let store: ConversationStore, history: [JSONValue]
        do {
            (store, history) = try await context.conversations.run(settings, context: context) { (store) throws(StoreError) in
                (store, isNew ? [] : try store.conversation(id).messages.map(\.message))
            }
        } catch {
            throw error.renamingField("id", to: "conversation_id")
        }
        let titler = isNew ? settings.titleModel.map { ConversationTitler(model: $0, settings: settings, context: context, store: store) } : nil
        return ConversationTurn(id: id, isNew: isNew, history: history, newMessages: messages, store: store, context: context, titler: titler)
    }

    /// The turn ended with `result` (an object): stores the request's messages and `replies`,
    /// and returns `result` with `conversation_id` (and `store_error` when the write failed).
    public func finish(_ result: JSONValue, replies: [JSONValue], model: String?) async -> JSONValue {
        guard case .object(var object) = result else { return result }
        object["conversation_id"] = .string(id)
        if let failure = await save(replies.map { StoredMessage($0) }, model: model) {
            object["store_error"] = .string(failure)
        } else {
            titler?.start(id, messages: newMessages)
        }
        return .object(object)
    }

    /// The turn ended with `error`. When it was cancelled, stores the request's messages and
    /// `partialReplies` (the last marked `cancelled`) and returns the error with `conversation_id`
    /// (and `store_error`) added to its partial output; any other error is returned as it is.
    public func finish(_ error: any Error, partialReplies: [JSONValue], model: String?) async -> any Error {
        let underlying = (error as? PartialOutputError)?.underlying ?? error
        guard Task.isCancelled || underlying is CancellationError else { return error }
        let replies = partialReplies.enumerated().map { StoredMessage($1, status: $0 == partialReplies.count - 1 ? .cancelled : nil) }
        let failure = await save(replies, model: model)
        var partial = (error as? PartialOutputError)?.partial?.objectValue ?? JSONObject()
        partial["conversation_id"] = .string(id)
        if let failure { partial["store_error"] = .string(failure) }
        return PartialOutputError(underlying, partial: .object(partial))
    }

    /// Stores the request's messages and `replies`; the error message when that failed (logged).
    private func save(_ replies: [StoredMessage], model: String?) async -> String? {
        let stored = newMessages.map { StoredMessage($0) } + replies
        let (id, isNew) = (id, isNew)
        do {
            try await BlockingIO.run { () throws(StoreError) in _ = try store.append(stored, to: id, create: isNew, model: model) }
            return nil
        } catch {
            context.log.error("request \(context.id): conversation \(id) not stored: \(error.message)")
            return error.message
        }
    }
}

/// Conversation ids: `conv_` and 20 random base-36 characters.
public enum ConversationID {
    /// A new id.
    public static func make() -> String {
        var random = SystemRandomNumberGenerator()
        let alphabet = Array("0123456789abcdefghijklmnopqrstuvwxyz")
        return "conv_" + String((0..<20).map { _ in alphabet[Int(random.next(upperBound: UInt8(alphabet.count)))] })
    }
}

extension ResponseError {
    /// The same error, naming `field` instead of `old` (an id that came in another param).
    func renamingField(_ old: String, to field: String) -> ResponseError {
        guard data?["field"]?.stringValue == old else { return self }
        var renamed = self
        renamed.data?["field"] = .string(field)
        return renamed
    }
}
