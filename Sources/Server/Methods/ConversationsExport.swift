import JSONRPC
import Store

/// `conversations.export`: conversation `id` as Markdown in the editors' chat format, or as JSON.
struct ConversationsExport: RPCMethod {
    static let name = "conversations.export"
    static let execution = Execution.concurrent

    func call(_ params: Params, context: RequestContext) async throws -> JSONValue {
        let id = try StoreRequest.id(params)
        let format = try params.string("format") ?? "markdown"
        guard format == "markdown" || format == "json" else {
            throw ResponseError.invalidParams(field: "format", "must be \"markdown\" or \"json\", got \"\(format)\"")
        }
        let conversation = try await StoreRequest.run(context) { (store) throws(StoreError) in try store.conversation(id) }
        let content: JSONValue = format == "json" ? ConversationExport.json(conversation) : .string(ConversationExport.markdown(conversation))
        return ["id": .string(id), "format": .string(format), "content": content]
    }
}
