import JSONRPC
import Store

/// `conversations.list`: the stored conversations, most recently updated first; `before` (an id,
/// the last of the previous page) pages on.
struct ConversationsList: RPCMethod {
    static let name = "conversations.list"
    static let execution = Execution.concurrent

    func call(_ params: Params, context: RequestContext) async throws -> JSONValue {
        let limit = try StoreRequest.limit(params, default: 50)
        let before = try params.string("before")
        let page: [ConversationSummary]
        do {
            page = try await StoreRequest.run(context) { (store) throws(StoreError) in try store.list(limit: limit, before: before) }
        } catch {
            throw error.renamingField("id", to: "before")
        }
        return ["conversations": .array(page.map(\.json))]
    }
}
