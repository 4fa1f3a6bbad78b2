import JSONRPC
import Store

/// `conversations.get`: one conversation with its messages.
struct ConversationsGet: RPCMethod {
    static let name = "conversations.get"
    static let execution = Execution.concurrent

    func call(_ params: Params, context: RequestContext) async throws -> JSONValue {
        let id = try StoreRequest.id(params)
        let conversation = try await StoreRequest.run(context) { (store) throws(StoreError) in try store.conversation(id) }
        return ConversationExport.json(conversation)
    }
}
