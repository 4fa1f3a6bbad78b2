import JSONRPC

/// `session/new`'s params: the working directory, the additional directories and the MCP servers
/// (ACP's `McpServer` entries turned into a `mcp_servers` configuration layer: a stdio server
/// `{name, command, args, env: [{name, value}]}` runs in the session's working directory; an HTTP
/// one is `{type: "http", name, url, headers: [{name, value}]}`; SSE is not offered).
struct SessionRequest: Sendable {
    let cwd: String
    let folders: [String]
    /// `{"mcp_servers": {name: {…}}}`; nil when the session brings no servers.
    let overlay: JSONObject?

    init(_ params: JSONValue?) throws(ResponseError) {
        guard let cwd = params?["cwd"]?.stringValue, cwd.hasPrefix("/") else {
            throw .invalidParams(field: "cwd", "is required: an absolute path")
        }
        self.cwd = cwd
        var folders: [String] = []
        for (index, folder) in (params?["additionalDirectories"]?.arrayValue ?? []).enumerated() {
            guard let path = folder.stringValue, path.hasPrefix("/") else {
                throw .invalidParams(field: "additionalDirectories.\(index)", "must be an absolute path")
            }
            folders.append(path)
        }
        self.folders = folders
        var servers = JSONObject()
        for (index, server) in (params?["mcpServers"]?.arrayValue ?? []).enumerated() {
            let field = "mcpServers.\(index)"
            guard let name = server["name"]?.stringValue, !name.isEmpty else { throw .invalidParams(field: "\(field).name", "is required") }
            switch server["type"]?.stringValue {
            case nil, "stdio"?:
                guard let command = server["command"]?.stringValue else { throw .invalidParams(field: "\(field).command", "is required") }
                servers[name] = .object(JSONObject([
                    ("command", .string(command)), ("args", .array(server["args"]?.arrayValue ?? [])),
                    ("env", .object(try Self.pairs(server["env"], field: "\(field).env"))), ("cwd", .string(cwd)),
                ]))
            case "http"?:
                guard let url = server["url"]?.stringValue else { throw .invalidParams(field: "\(field).url", "is required") }
                servers[name] = ["url": .string(url), "headers": .object(try Self.pairs(server["headers"], field: "\(field).headers"))]
            case let type?:
                throw .invalidParams(field: "\(field).type", "\"\(type)\" servers are not supported (stdio and http are: mcpCapabilities)")
            }
        }
        overlay = servers.isEmpty ? nil : ["mcp_servers": .object(servers)]
    }

    /// `[{name, value}]` as an object.
    private static func pairs(_ value: JSONValue?, field: String) throws(ResponseError) -> JSONObject {
        var object = JSONObject()
        for (index, pair) in (value?.arrayValue ?? []).enumerated() {
            guard let name = pair["name"]?.stringValue, let text = pair["value"]?.stringValue else {
                throw .invalidParams(field: "\(field).\(index)", "must be {name, value}")
            }
            object[name] = .string(text)
        }
        return object
    }
}
