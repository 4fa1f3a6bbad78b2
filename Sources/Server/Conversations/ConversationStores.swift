import Primitives
public import JSONRPC
public import Store

/// The daemon's conversation store, opened on the first request that needs it (a daemon that
/// never touches a conversation never loads SQLite or opens the file) and kept open. A request
/// whose configuration names another `store_path` (after a `config.update`) gets that file's
/// store, which then replaces the one kept.
public final class ConversationStores: Sendable {
    private let opened = Locked<ConversationStore?>(nil)
    /// How long a statement waits for another process's lock before failing.
    let busyTimeout: Double

    public init(busyTimeout: Double = 5) {
        self.busyTimeout = busyTimeout
    }

    /// The store `settings` name, opened (off the cooperative pool) if it is not yet.
    /// - Throws: -32008 when `store` is false or the store cannot be opened.
    public func store(for settings: Settings) async throws(ResponseError) -> ConversationStore {
        guard let path = settings.storePath else {
            throw ResponseError(.storeError, "conversations are not kept: the configuration sets store to false", data: ["reason": "disabled"])
        }
        if let store = opened.current, store.path == path { return store }
        let busyTimeout = busyTimeout
        let store = try await BlockingIO.run { () throws(ResponseError) in
            do throws(StoreError) { return try ConversationStore(path: path, busyTimeout: busyTimeout) } catch { throw error.response }
        }
        opened.withLock { $0 = store }
        return store
    }

    /// Runs `body` with the store `settings` name, on the blocking-I/O threads; a store error
    /// becomes the response error for it. Conversations another process changed since the store
    /// was last looked at are announced first, on the request's output (`conversations.changed`).
    func run<T: Sendable>(_ settings: Settings, context: RequestContext,
                          _ body: @escaping @Sendable (ConversationStore) throws(StoreError) -> T) async throws(ResponseError) -> T {
        let store = try await store(for: settings)
        let (changed, value) = try await BlockingIO.run { () throws(ResponseError) in
            do throws(StoreError) {
                let changed = (try? store.changedElsewhere()) ?? []
                return (changed, try body(store))
            } catch { throw error.response }
        }
        for id in changed { context.notify("conversations.changed", ["id": .string(id)]) }
        return value
    }
}

extension StoreError {
    /// The response error: an unknown id is -32602 naming it; everything else -32008 with the
    /// kind in `data.reason`.
    public var response: ResponseError {
        switch kind {
        case .unknownConversation: ResponseError(.invalidParams, "invalid params: \(message)", data: ["field": "id"])
        case .outOfRange: ResponseError(.invalidParams, "invalid params: \(message)", data: ["field": "at"])
        default: ResponseError(.storeError, message, data: ["reason": .string(kind.rawValue)])
        }
    }
}
