import JSONRPC
import Store

/// `conversations.rename`: gives conversation `id` the title `title`.
struct ConversationsRename: RPCMethod {
    static let name = "conversations.rename"
    static let execution = Execution.concurrent

    func call(_ params: Params, context: RequestContext) async throws -> JSONValue {
        let id = try StoreRequest.id(params)
        let title = try params.requireString("title")
        guard !title.allSatisfy(\.isWhitespace) else { throw ResponseError.invalidParams(field: "title", "must not be empty") }
        return try await StoreRequest.run(context) { (store) throws(StoreError) in try store.rename(id, title: title) }.json
    }
}
