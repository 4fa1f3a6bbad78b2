public import JSONRPC
import Primitives

/// Where a session's conversation (the chat messages of its turns, without the system message)
/// is kept between prompts: the seam a shared conversation store plugs into, so that a session
/// can be loaded (`session/load`) and listed (`session/list`) by other clients and after a restart.
public protocol SessionHistory: Sendable {
    /// The messages kept for session `id`; empty for a session with none.
    func messages(of id: String) -> [JSONValue]
    /// Appends `messages` (one prompt turn's) to session `id`'s conversation.
    func append(_ messages: [JSONValue], to id: String)
    /// Forgets session `id` (`session/close`); a store that keeps conversations may keep it.
    func close(_ id: String)
}

/// The conversations of this process's sessions, in memory only: gone when the process exits.
public final class MemorySessionHistory: SessionHistory {
    private let conversations = Locked<[String: [JSONValue]]>([:])

    public init() {}

    public func messages(of id: String) -> [JSONValue] {
        conversations.withLock { $0[id] ?? [] }
    }

    public func append(_ messages: [JSONValue], to id: String) {
        conversations.withLock { $0[id, default: []] += messages }
    }

    public func close(_ id: String) {
        conversations.withLock { $0[id] = nil }
    }
}
