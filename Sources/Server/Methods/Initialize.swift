import JSONRPC

/// `initialize`: optional handshake; may carry a partial configuration.
struct Initialize: RPCMethod {
    static let name = "initialize"
    static let execution = Execution.inOrder

    func call(_ params: Params, context: RequestContext) async throws -> JSONValue {
        _ = try params.objectValue("client_info")
        if let config = try params.objectValue("config") {
            try context.config.apply(config, path: "config.")
        }
        return [
            "protocol_version": .string(ServerInfo.protocolVersion),
            "server_info": ["name": .string(ServerInfo.name), "version": .string(ServerInfo.version)],
            "capabilities": [
                "methods": .array(MethodRegistry.names.map(JSONValue.string)),
                "notifications": .array(MethodRegistry.notifications.map(JSONValue.string)),
                "framings": .array(Framing.allCases.map { .string($0.rawValue) }),
            ],
        ]
    }
}
