import JSONRPC

/// `responses.delete`: DELETE /responses/{response_id}; the result is the upstream's answer
/// (`{id, object, deleted}`), unchanged.
struct ResponsesDelete: RPCMethod {
    static let name = "responses.delete"
    static let execution = Execution.concurrent

    func call(_ params: Params, context: RequestContext) async throws -> JSONValue {
        try await StoredResponse.send("DELETE", params, context: context)
    }
}
