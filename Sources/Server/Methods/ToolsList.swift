import JSONRPC
import MCPClient

/// `tools.list`: the tools an `agent.run` with the same `mcp_servers` would offer from MCP
/// servers (named as the model sees them), and every configured server's status. Listing starts
/// the servers it asks.
struct ToolsList: RPCMethod {
    static let name = "tools.list"
    static let execution = Execution.concurrent

    func call(_ params: Params, context: RequestContext) async throws -> JSONValue {
        let settings = try context.settings(profile: try params.string("profile"))
        let names = try params.strings("mcp_servers")
        // Every name must be configured; a disabled one is listed as such, not refused.
        _ = try AgentToolbox.servers(named: names, in: settings.mcpServers.map { var server = $0; server.enabled = true; return server },
                                     field: "mcp_servers")
        let chosen = settings.mcpServers.filter { $0.enabled && (names?.contains($0.name) ?? true) }
        let toolbox = try await AgentToolbox.make(clientTools: [], servers: chosen, source: context.toolSource)
        let tools: [JSONValue] = toolbox.tools.map { tool in
            var entry = JSONObject([("name", .string(tool.name))])
            if case .mcp(let server, let name) = tool.runner {
                entry["server"] = .string(server.name)
                entry["tool"] = .string(name)
            }
            entry["description"] = tool.definition["function"]?["description"] ?? ""
            entry["input_schema"] = tool.definition["function"]?["parameters"] ?? ["type": "object"]
            return .object(entry)
        }
        let asked = settings.mcpServers.filter { names?.contains($0.name) ?? true }
        let servers: [JSONValue] = asked.map { server in
            let status = server.enabled ? (context.toolSource?.status(of: server) ?? .failed("MCP servers are not available in this mode")) : .disabled
            var entry = JSONObject([("name", .string(server.name)), ("status", .string(status.name))])
            if case .failed(let reason) = status { entry["error"] = .string(reason) }
            return .object(entry)
        }
        return ["tools": .array(tools), "servers": .array(servers)]
    }
}
