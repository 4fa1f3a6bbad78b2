import JSONRPC
import Store

/// `conversations.search`: messages holding every word of `query`, with their conversations.
struct ConversationsSearch: RPCMethod {
    static let name = "conversations.search"
    static let execution = Execution.concurrent

    func call(_ params: Params, context: RequestContext) async throws -> JSONValue {
        let query = try params.requireString("query")
        let limit = try StoreRequest.limit(params, default: 20)
        let hits = try await StoreRequest.run(context) { (store) throws(StoreError) in try store.search(query, limit: limit) }
        return ["results": .array(hits.map(\.json))]
    }
}
