import JSONRPC
import Store

/// What the `conversations.*` methods share: reaching the store, and the params they all take.
enum StoreRequest {
    /// Runs `body` with the store the request's configuration names (see `ConversationStores.run`).
    static func run<T: Sendable>(_ context: RequestContext, _ body: @escaping @Sendable (ConversationStore) throws(StoreError) -> T)
        async throws(ResponseError) -> T {
        try await context.conversations.run(try context.settings(profile: nil), context: context, body)
    }

    /// The required `id` param.
    static func id(_ params: Params) throws(ResponseError) -> String {
        let id = try params.requireString("id")
        guard !id.isEmpty else { throw .invalidParams(field: "id", "must not be empty") }
        return id
    }

    /// An optional count param between 1 and `maximum`.
    static func limit(_ params: Params, default value: Int, maximum: Int = 1000) throws(ResponseError) -> Int {
        guard let limit = try params.int("limit") else { return value }
        guard (1...maximum).contains(limit) else { throw .invalidParams(field: "limit", "must be between 1 and \(maximum)") }
        return limit
    }
}
