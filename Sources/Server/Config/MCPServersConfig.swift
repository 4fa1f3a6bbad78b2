import Primitives
import JSONRPC
import MCPClient

/// The configuration's `mcp_servers`: name → `{command, args, env, cwd}` (a stdio server) or
/// `{url, headers}` (Streamable HTTP), each with `trust`, `enabled`, `timeout_seconds` and `tools`
/// — the shape Claude Desktop, Cursor and VS Code keep under `mcpServers`.
enum MCPServersConfig {
    /// A server's name: what tool names start with (`<name>__<tool>`) and requests refer to.
    static func isValidName(_ name: String) -> Bool {
        (1...32).contains(name.utf8.count) && name.utf8.allSatisfy { ToolNames.isAllowed($0) }
    }

    static let fields: Set<String> = ["command", "args", "env", "cwd", "url", "headers", "trust", "enabled", "timeout_seconds", "tools", "type"]

    /// Checks `mcp_servers` (a merge patch: a server set to null is removed).
    static func validate(_ value: JSONValue, field: String) throws(ResponseError) {
        guard let servers = value.objectValue else { throw .invalidParams(field: field, "must be an object: server name → settings") }
        for (name, server) in servers where !server.isNull {
            let path = "\(field).\(name)"
            guard isValidName(name) else {
                throw .invalidParams(field: path, "is not a usable server name (1 to 32 letters, digits, _ or -)")
            }
            guard let object = server.objectValue else { throw .invalidParams(field: path, "must be an object, got \(server.typeName)") }
            try validate(server: object, path: path)
        }
    }

    private static func validate(server: JSONObject, path: String) throws(ResponseError) {
        if let unknown = server.keys.first(where: { !fields.contains($0) }) {
            throw .invalidParams(field: "\(path).\(unknown)", "is not an MCP server setting (command, args, env, cwd, url, headers, "
                                     + "trust, enabled, timeout_seconds, tools)")
        }
        let command = server["command"], url = server["url"]
        switch (command, url) {
        case (nil, nil): throw .invalidParams(field: path, "needs either command (a stdio server) or url (Streamable HTTP)")
        case (.some, .some): throw .invalidParams(field: path, "has both command and url: a server is one or the other")
        case (.some(let command), nil):
            guard let text = command.stringValue, !text.isEmpty else { throw .invalidParams(field: "\(path).command", "must be a non-empty string") }
            for key in ["headers"] where server[key] != nil { throw .invalidParams(field: "\(path).\(key)", "is for url servers only") }
        case (nil, .some(let url)):
            guard let text = url.stringValue, text.hasPrefix("http://") || text.hasPrefix("https://") else {
                throw .invalidParams(field: "\(path).url", "must be an http:// or https:// URL")
            }
            for key in ["args", "env", "cwd"] where server[key] != nil { throw .invalidParams(field: "\(path).\(key)", "is for command servers only") }
        }
        if let args = server["args"], !(args.arrayValue?.allSatisfy { $0.stringValue != nil } ?? false) {
            throw .invalidParams(field: "\(path).args", "must be an array of strings")
        }
        try stringMap(server["env"], field: "\(path).env", checkName: { !$0.isEmpty && !$0.contains("=") && !$0.utf8.contains(0) })
        try stringMap(server["headers"], field: "\(path).headers", checkName: HeaderRules.isToken)
        if let cwd = server["cwd"], (cwd.stringValue ?? "").isEmpty { throw .invalidParams(field: "\(path).cwd", "must be a folder path") }
        for key in ["trust", "enabled"] {
            if let flag = server[key], flag.boolValue == nil { throw .invalidParams(field: "\(path).\(key)", "must be true or false") }
        }
        if let seconds = server["timeout_seconds"], !((seconds.doubleValue ?? 0) > 0 && seconds.doubleValue! <= ConfigSchema.maxSeconds) {
            throw .invalidParams(field: "\(path).timeout_seconds", "must be a number of seconds above 0 and at most \(Int(ConfigSchema.maxSeconds))")
        }
        if let tools = server["tools"], !(tools.arrayValue?.allSatisfy { !($0.stringValue ?? "").isEmpty } ?? false) {
            throw .invalidParams(field: "\(path).tools", "must be an array of tool names")
        }
        if let type = server["type"], !["stdio", "http", "streamable-http", "streamableHttp"].contains(type.stringValue ?? "") {
            throw .invalidParams(field: "\(path).type", "must be stdio or http (it is optional: command or url says which)")
        }
    }

    private static func stringMap(_ value: JSONValue?, field: String, checkName: (String) -> Bool) throws(ResponseError) {
        guard let value else { return }
        guard let object = value.objectValue else { throw .invalidParams(field: field, "must be an object of strings") }
        for (name, entry) in object {
            guard checkName(name) else { throw .invalidParams(field: "\(field).\(name)", "is not a usable name") }
            guard let text = entry.stringValue else { throw .invalidParams(field: "\(field).\(name)", "must be a string, got \(entry.typeName)") }
            guard !HeaderRules.breaksLine(text) else { throw .invalidParams(field: "\(field).\(name)", "must not contain CR, LF or NUL") }
        }
    }

    /// The servers of a validated configuration, in name order.
    static func specs(_ value: JSONValue?) -> [MCPServerSpec] {
        guard let servers = value?.objectValue else { return [] }
        return servers.keys.sorted().compactMap { name -> MCPServerSpec? in
            guard let server = servers[name]?.objectValue else { return nil }
            let transport: MCPServerSpec.Transport
            if let url = server["url"]?.stringValue {
                transport = .http(url: url, headers: strings(server["headers"]))
            } else {
                transport = .stdio(command: server["command"]?.stringValue ?? "", args: server["args"]?.arrayValue?.compactMap(\.stringValue) ?? [],
                                   env: strings(server["env"]), cwd: server["cwd"]?.stringValue.map(LocalPath.resolve))
            }
            return MCPServerSpec(name: name, transport: transport, trust: server["trust"]?.boolValue ?? false,
                                 enabled: server["enabled"]?.boolValue ?? true, timeoutSeconds: server["timeout_seconds"]?.doubleValue ?? 60,
                                 allowedTools: server["tools"]?.arrayValue?.compactMap(\.stringValue))
        }
    }

    private static func strings(_ value: JSONValue?) -> [String: String] {
        var result: [String: String] = [:]
        for (name, entry) in value?.objectValue ?? JSONObject() { if let text = entry.stringValue { result[name] = text } }
        return result
    }

    /// Whether an `env` or `headers` entry holds a credential: hidden by `config.get`, removed from output.
    static func isSecret(_ name: String) -> Bool {
        let lowered = name.lowercased()
        return ConfigSchema.isSecretHeader(name) || ["password", "passwd", "auth", "credential"].contains { lowered.contains($0) }
    }

    /// `mcp_servers` with the values of secret `env` and `headers` entries replaced by `[redacted]`.
    static func redacted(_ value: JSONValue) -> JSONValue {
        guard var servers = value.objectValue else { return value }
        for (name, server) in servers {
            guard var object = server.objectValue else { continue }
            for key in ["env", "headers"] {
                guard var entries = object[key]?.objectValue else { continue }
                for (entry, _) in entries where isSecret(entry) { entries[entry] = "[redacted]" }
                object[key] = .object(entries)
            }
            if let url = object["url"]?.stringValue { object["url"] = .string(URLPassword.redacted(in: url)) }
            servers[name] = .object(object)
        }
        return .object(servers)
    }

    /// The secret values of `mcp_servers`, for `Secrets` to remove from everything written.
    static func secretValues(_ value: JSONValue?) -> [String] {
        var found: [String] = []
        for (_, server) in value?.objectValue ?? JSONObject() {
            for key in ["env", "headers"] {
                for (entry, text) in server[key]?.objectValue ?? JSONObject() where isSecret(entry) {
                    if let text = text.stringValue { found.append(text) }
                }
            }
        }
        return found
    }
}
