import JSONRPC

/// `rpc.discover`: the OpenRPC document describing this protocol, built into the binary.
struct RPCDiscover: RPCMethod {
    static let name = "rpc.discover"
    static let execution = Execution.inOrder

    func call(_ params: Params, context: RequestContext) async throws -> JSONValue {
        do {
            return try JSONParser.parse(OpenRPCDocument.text)
        } catch {
            throw ResponseError.internalError("the built-in OpenRPC document is invalid: \(error)")
        }
    }
}
