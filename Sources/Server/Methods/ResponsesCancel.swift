import JSONRPC

/// `responses.cancel`: POST /responses/{response_id}/cancel, stopping a background response; the
/// result is the upstream's `response` object (status `cancelled`), unchanged.
struct ResponsesCancel: RPCMethod {
    static let name = "responses.cancel"
    static let execution = Execution.concurrent

    func call(_ params: Params, context: RequestContext) async throws -> JSONValue {
        try await StoredResponse.send("POST", suffix: "/cancel", params, context: context)
    }
}
