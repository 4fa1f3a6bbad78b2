public import JSONRPC
public import Server
import Primitives
import Store

/// Sessions kept in the shared conversation store: a session's id is a conversation's id, so a
/// session started in one editor is continued in another's chat with `conversation_id`, and
/// back. The conversation is made by the session's first stored turn (a session never prompted
/// leaves nothing behind); the first ACP session that writes to a conversation gives it its
/// working directory (the store's `cwd` column), which `session/list` filters on. Conversations
/// only other clients wrote have none: they are not listed, but load by id. The system message
/// is not stored: each prompt sends its own. Store calls run on `BlockingIO`.
public final class StoreSessionHistory: SessionHistory {
    /// Sessions per `session/list` page.
    static let pageSize = 50

    public init() {}

    public var keepsSessions: Bool { true }

    public func messages(of id: String, context: RequestContext) async throws(ResponseError) -> [JSONValue] {
        let store = try await Self.store(context)
        return try await BlockingIO.run { () throws(ResponseError) in
            do throws(StoreError) {
                return try store.conversation(id).messages.map(\.message).filter { $0["role"] != "system" }
            } catch {
                // A new session: nothing stored yet.
                if error.kind == .unknownConversation { return [] }
                throw error.response
            }
        }
    }

    public func append(_ messages: [JSONValue], to id: String, cwd: String, model: String, context: RequestContext) async {
        let stored = messages.filter { $0["role"] != "system" }.map { StoredMessage($0) }
        do {
            let store = try await Self.store(context)
            try await BlockingIO.run { () throws(StoreError) in
                do throws(StoreError) {
                    try store.append(stored, to: id, model: model, cwd: cwd)
                } catch where error.kind == .unknownConversation {
                    try store.append(stored, to: id, create: true, model: model, cwd: cwd)
                }
            }
        } catch {
            context.log.error("session \(id): the turn was not stored: \(error)")
        }
    }

    public func close(_ id: String) {}

    public func load(_ id: String, context: RequestContext) async throws(ResponseError) -> StoredSession {
        let store = try await Self.store(context)
        return try await BlockingIO.run { () throws(ResponseError) in
            do throws(StoreError) {
                let conversation = try store.conversation(id)
                return StoredSession(messages: conversation.messages.map(\.message), model: conversation.summary.model)
            } catch {
                guard error.kind == .unknownConversation else { throw error.response }
                throw .invalidParams(field: "sessionId", "\"\(id)\" is no stored session (no conversation has that id)")
            }
        }
    }

    public func list(cwd: String?, cursor: String?, context: RequestContext) async throws(ResponseError) -> (sessions: [JSONValue], next: String?) {
        let store = try await Self.store(context)
        let page = try await BlockingIO.run { () throws(ResponseError) in
            do throws(StoreError) {
                return try store.list(limit: Self.pageSize, before: cursor, folders: cwd.map { .folder($0) } ?? .sessions)
            } catch {
                guard error.kind == .unknownConversation else { throw error.response }
                throw .invalidParams(field: "cursor", "is not a cursor session/list gave")
            }
        }
        let sessions: [JSONValue] = page.map { summary in
            .object(JSONObject([
                ("sessionId", .string(summary.id)), ("cwd", .string(summary.cwd ?? "")), ("title", .string(summary.title)),
                ("updatedAt", .string(ISOTime.string(milliseconds: summary.updatedAt))),
            ]))
        }
        return (sessions, page.count == Self.pageSize ? page.last?.id : nil)
    }

    private static func store(_ context: RequestContext) async throws(ResponseError) -> ConversationStore {
        try await context.conversations.store(for: try context.settings(profile: nil))
    }
}
