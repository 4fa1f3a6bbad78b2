public import JSONRPC
public import Server
import Primitives

/// Where a session's conversation (the chat messages of its turns, without the system message)
/// is kept between prompts: the shared conversation store (`StoreSessionHistory`), so that a
/// session is a stored conversation other clients continue with `conversation_id`, loaded
/// (`session/load`) and listed (`session/list`) after a restart; or this process's memory when
/// the store is off (`MemorySessionHistory`).
public protocol SessionHistory: Sendable {
    /// Whether sessions outlive the process (`session/load` and `session/list` are offered).
    var keepsSessions: Bool { get }
    /// The messages kept for session `id`; empty for a session with none yet.
    func messages(of id: String, context: RequestContext) async throws(ResponseError) -> [JSONValue]
    /// Appends `messages` (one prompt turn's) to session `id`'s conversation, made in `cwd`
    /// with `model`. A failure is logged, never fails the turn.
    func append(_ messages: [JSONValue], to id: String, cwd: String, model: String, context: RequestContext) async
    /// Forgets session `id` (`session/close`); a store that keeps conversations keeps it.
    func close(_ id: String)
    /// Session `id`'s stored conversation, for `session/load`.
    /// - Throws: -32602 naming `sessionId` when there is none.
    func load(_ id: String, context: RequestContext) async throws(ResponseError) -> StoredSession
    /// `session/list`: a page of sessions, most recently updated first (in `cwd` when given),
    /// and the cursor of the next page when there is one.
    func list(cwd: String?, cursor: String?, context: RequestContext) async throws(ResponseError) -> (sessions: [JSONValue], next: String?)
}

/// A stored session as `session/load` takes it up.
public struct StoredSession: Sendable {
    /// Its messages, in order (system messages included: the replay leaves them out).
    public let messages: [JSONValue]
    /// The model of its latest turn.
    public let model: String?
}

/// The conversations of this process's sessions, in memory only: gone when the process exits.
/// Used when the conversation store is off (`store: false`, or SQLite missing); `session/load`
/// and `session/list` then fail with `reason`.
public final class MemorySessionHistory: SessionHistory {
    private let conversations = Locked<[String: [JSONValue]]>([:])
    /// Why sessions are not kept (-32008 `conversations are not kept: …`).
    let reason: ResponseError

    public init(reason: ResponseError) {
        self.reason = reason
    }

    public var keepsSessions: Bool { false }

    public func messages(of id: String, context: RequestContext) async throws(ResponseError) -> [JSONValue] {
        conversations.withLock { $0[id] ?? [] }
    }

    public func append(_ messages: [JSONValue], to id: String, cwd: String, model: String, context: RequestContext) async {
        conversations.withLock { $0[id, default: []] += messages }
    }

    public func close(_ id: String) {
        conversations.withLock { $0[id] = nil }
    }

    public func load(_ id: String, context: RequestContext) async throws(ResponseError) -> StoredSession { throw reason }

    public func list(cwd: String?, cursor: String?, context: RequestContext) async throws(ResponseError) -> (sessions: [JSONValue], next: String?) {
        throw reason
    }
}
