import JSONRPC
import Store

/// `conversations.delete`: removes conversation `id` and its messages (forks of it stay).
struct ConversationsDelete: RPCMethod {
    static let name = "conversations.delete"
    static let execution = Execution.concurrent

    func call(_ params: Params, context: RequestContext) async throws -> JSONValue {
        let id = try StoreRequest.id(params)
        try await StoreRequest.run(context) { (store) throws(StoreError) in try store.delete(id) }
        return ["id": .string(id), "deleted": true]
    }
}
