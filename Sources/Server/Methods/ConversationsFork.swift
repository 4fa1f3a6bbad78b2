import JSONRPC
import Store

/// `conversations.fork`: a new conversation holding the first `at` messages of `id` (all of them
/// when `at` is left out), to go on from there without changing the original.
struct ConversationsFork: RPCMethod {
    static let name = "conversations.fork"
    static let execution = Execution.concurrent

    func call(_ params: Params, context: RequestContext) async throws -> JSONValue {
        let id = try StoreRequest.id(params)
        let at = try params.int("at")
        if let at, at < 0 { throw ResponseError.invalidParams(field: "at", "must be 0 or more") }
        let newID = ConversationID.make()
        return try await StoreRequest.run(context) { (store) throws(StoreError) in try store.fork(id, at: at, newID: newID) }.json
    }
}
