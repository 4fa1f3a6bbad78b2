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
        let chosen = try AgentToolbox.servers(named: try params.strings("mcp_servers"), in: settings.mcpServers, field: "mcp_servers")
        let toolbox = try await AgentToolbox.make(clientTools: [], servers: chosen, source: context.toolSource)
        let tools: [JSONValue] = toolbox.tools.map { tool in
            var entry = JSONObject([("name", .string(tool.name))])
            if let server = tool.serverName { entry["server"] = .string(server) }
            entry["description"] = tool.definition["function"]?["description"] ?? ""
            entry["input_schema"] = tool.definition["function"]?["parameters"] ?? ["type": "object"]
            return .object(entry)
        }
        let servers: [JSONValue] = settings.mcpServers.map { server in
            let status = server.enabled ? (context.toolSource?.status(of: server) ?? .failed("MCP servers are not available in this mode")) : .disabled
            var entry = JSONObject([("name", .string(server.name)), ("status", .string(status.name))])
            if case .failed(let reason) = status { entry["error"] = .string(reason) }
            return .object(entry)
        }
        return ["tools": .array(tools), "servers": .array(servers)]
    }
}
