import JSONRPC

/// `shutdown`: later requests are refused; `exit` then ends the process with status 0.
struct Shutdown: RPCMethod {
    static let name = "shutdown"
    static let execution = Execution.inOrder

    func call(_ params: Params, context: RequestContext) async throws -> JSONValue {
        context.lifecycle.requestShutdown()
        return .null
    }
}
