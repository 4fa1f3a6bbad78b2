import JSONRPC

/// `config.update`: merges a partial configuration (a JSON merge patch; `null` deletes a field).
struct ConfigUpdate: RPCMethod {
    static let name = "config.update"
    static let execution = Execution.inOrder

    func call(_ params: Params, context: RequestContext) async throws -> JSONValue {
        try context.config.apply(params.object)
        return try context.config.view(profile: nil)
    }
}
