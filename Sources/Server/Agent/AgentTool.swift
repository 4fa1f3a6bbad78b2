import JSONRPC
import MCPClient

/// A tool as an agent run offers it to the model: its offered name, who runs it, and its
/// definition in the chat API's `tools` form.
struct AgentTool: Sendable {
    /// Who runs a call.
    enum Runner: Sendable {
        /// The client, asked with `tool.execute`.
        case client
        /// An MCP server; `tool` is the tool's MCP name.
        case mcp(server: MCPServerSpec, tool: String)
    }

    /// The name the model calls it by (unique within the run).
    let name: String
    let runner: Runner
    /// `{"type": "function", "function": {name, description, parameters}}`.
    let definition: JSONValue

    /// The server's name, for an MCP tool.
    var serverName: String? {
        if case .mcp(let server, _) = runner { server.name } else { nil }
    }

    /// An MCP tool offered as `name`.
    init(name: String, server: MCPServerSpec, tool: MCPTool) {
        self.name = name
        runner = .mcp(server: server, tool: tool.name)
        definition = .object(JSONObject([
            ("type", "function"),
            ("function", .object(JSONObject([("name", .string(name)), ("description", .string(tool.description)),
                                             ("parameters", tool.inputSchema)]))),
        ]))
    }

    /// A client tool, as the request's `tools` gave it.
    init(clientDefinition: JSONValue, name: String) {
        self.name = name
        runner = .client
        definition = clientDefinition
    }
}
