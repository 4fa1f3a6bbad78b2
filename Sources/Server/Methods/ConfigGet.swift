import JSONRPC

/// `config.get`: the effective configuration, secrets redacted, optionally with a profile applied.
struct ConfigGet: RPCMethod {
    static let name = "config.get"
    static let execution = Execution.inOrder

    func call(_ params: Params, context: RequestContext) async throws -> JSONValue {
        try context.config.view(profile: try params.string("profile"))
    }
}
