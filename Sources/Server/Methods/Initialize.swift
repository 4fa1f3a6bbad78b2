import FoundationEssentials
import JSONRPC
import Upstream

/// `initialize`: optional handshake; may carry a partial configuration. Unless `preconnect` is
/// false, it also starts opening a connection to `base_url` (see `UpstreamClient.preconnect`),
/// so the first question a user asks pays no DNS, TCP or TLS handshake.
struct Initialize: RPCMethod {
    static let name = "initialize"
    static let execution = Execution.inOrder

    func call(_ params: Params, context: RequestContext) async throws -> JSONValue {
        _ = try params.objectValue("client_info")
        if let config = try params.objectValue("config") {
            try context.config.apply(config, path: "config.")
        }
        // The live configuration: the snapshot the request was read with predates `config` above.
        if let settings = try? context.config.settings(profile: nil), settings.preconnect {
            let (client, log, url) = (context.client, context.log, settings.baseURL)
            Task.detached {
                let started = ContinuousClock.now
                let outcome = await client.preconnect(to: url, userAgent: "switchboard/\(ServerInfo.version)")
                log.debug("preconnect to \(url.absoluteString): \(outcome) after \(ContinuousClock.now - started)")
            }
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
