import JSONRPC

/// `responses.get`: GET /responses/{response_id}, a stored response (a background one, say, to see
/// whether it has finished); the result is the upstream's `response` object, unchanged.
struct ResponsesGet: RPCMethod {
    static let name = "responses.get"
    static let execution = Execution.concurrent

    func call(_ params: Params, context: RequestContext) async throws -> JSONValue {
        try await StoredResponse.send("GET", params, context: context)
    }
}
