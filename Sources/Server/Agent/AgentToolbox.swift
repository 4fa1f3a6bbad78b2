import JSONRPC
import MCPClient

/// The tools one agent run offers: the client's own (from the request's `tools`), then those of
/// the chosen MCP servers, named as `ToolNames` says. A server that cannot be reached is left out
/// and reported in `unavailable`; the run goes on with the others.
struct AgentToolbox: Sendable {
    let tools: [AgentTool]
    /// Servers that were chosen but could not list their tools: name and why.
    let unavailable: [(name: String, error: String)]

    /// The tool called `name` in this run.
    func tool(named name: String) -> AgentTool? {
        tools.first { $0.name == name }
    }

    /// The `tools` member of a chat request.
    var definitions: [JSONValue] { tools.map(\.definition) }

    /// - Parameter clientTools: the request's `tools` (function tools the client runs).
    /// - Parameter servers: the chosen, enabled servers.
    static func make(clientTools: [JSONValue], servers: [MCPServerSpec], source: (any MCPToolSource)?) async throws -> AgentToolbox {
        var tools: [AgentTool] = []
        var taken = Set<String>()
        for (index, definition) in clientTools.enumerated() {
            let name = try clientToolName(definition, index: index)
            guard taken.insert(name).inserted else {
                throw ResponseError.invalidParams(field: "tools.\(index).function.name", "\"\(name)\" is given twice")
            }
            tools.append(AgentTool(clientDefinition: definition, name: name))
        }
        let listed = try await list(servers, source: source)
        var unavailable: [(name: String, error: String)] = []
        for (server, outcome) in zip(servers, listed) {
            switch outcome {
            case .failure(let error): unavailable.append((server.name, error.message))
            case .success(let serverTools):
                for tool in serverTools.sorted(by: { $0.name < $1.name }) {
                    let name = ToolNames.unique(ToolNames.offered(server: server.name, tool: tool.name), taken: taken)
                    taken.insert(name)
                    tools.append(AgentTool(name: name, server: server, tool: tool))
                }
            }
        }
        return AgentToolbox(tools: tools, unavailable: unavailable)
    }

    /// Every server's tools, asked at once; a cancelled run throws.
    static func list(_ servers: [MCPServerSpec], source: (any MCPToolSource)?) async throws -> [Result<[MCPTool], MCPClientError>] {
        guard let source else {
            return servers.map { _ in .failure(MCPClientError(.unavailable, "MCP servers are not available in this mode")) }
        }
        var listed: [String: Result<[MCPTool], MCPClientError>] = [:]
        try await withThrowingTaskGroup(of: Listing.self) { group in
            for server in servers {
                group.addTask {
                    do {
                        return Listing(name: server.name, result: .success(try await source.tools(of: server)))
                    } catch let error as MCPClientError {
                        return Listing(name: server.name, result: .failure(error))
                    }
                }
            }
            while let listing = try await group.next() { listed[listing.name] = listing.result }
        }
        return servers.map { listed[$0.name] ?? .failure(MCPClientError(.unavailable, "MCP server \"\($0.name)\" did not list its tools")) }
    }

    /// One server's answer to the listing.
    private struct Listing: Sendable {
        let name: String
        let result: Result<[MCPTool], MCPClientError>
    }

    private static func clientToolName(_ definition: JSONValue, index: Int) throws(ResponseError) -> String {
        guard definition["type"]?.stringValue == "function", let name = definition["function"]?["name"]?.stringValue else {
            throw .invalidParams(field: "tools.\(index)", "must be a function tool: {\"type\": \"function\", \"function\": {\"name\", …}}")
        }
        guard ToolNames.isValid(name) else {
            throw .invalidParams(field: "tools.\(index).function.name", "must be 1 to 64 letters, digits, _ or -")
        }
        return name
    }

    /// The servers a request chooses: `names` (each must be configured), else every enabled one.
    static func servers(named names: [String]?, in configured: [MCPServerSpec], field: String) throws(ResponseError) -> [MCPServerSpec] {
        guard let names else { return configured.filter(\.enabled) }
        var chosen: [MCPServerSpec] = []
        for (index, name) in names.enumerated() {
            guard let server = configured.first(where: { $0.name == name }) else {
                let known = configured.map(\.name).joined(separator: ", ")
                throw .invalidParams(field: "\(field).\(index)", "\"\(name)\" is not a configured MCP server (configured: \(known.isEmpty ? "none" : known))")
            }
            guard server.enabled else { throw .invalidParams(field: "\(field).\(index)", "\"\(name)\" is disabled (enabled: false)") }
            if !chosen.contains(server) { chosen.append(server) }
        }
        return chosen.sorted { $0.name < $1.name }
    }
}
