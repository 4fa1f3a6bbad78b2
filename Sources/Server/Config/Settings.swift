public import FoundationEssentials
import JSONRPC
import Primitives
public import MCPClient

/// The configuration as one request sees it: every layer merged, the profile applied, typed.
public struct Settings: Sendable {
    public var profile: String?
    public var baseURL: URL
    /// nil when neither `api_key` nor `api_key_command` is set; "" means "send no key".
    public var apiKey: String?
    public var apiKeyCommand: [String]?
    /// How long `api_key_command` may run before it is stopped.
    public var apiKeyCommandTimeoutSeconds: Double
    public var headers: [String: String]
    public var defaultModel: String
    public var visionModel: String
    /// The model `embeddings.create` uses when the request names none.
    public var embeddingModel: String
    public var timeoutSeconds: Double
    /// The longest wait for a streamed answer's first byte.
    public var firstByteTimeoutSeconds: Double
    /// The longest silence once an answer has started.
    public var idleTimeoutSeconds: Double
    public var maxRetries: Int
    public var maxFileBytes: Int
    /// The most all the local files one request reads may hold together.
    public var maxRequestFileBytes: Int
    /// Whether chat.complete adapts requests to the model family (`ModelFamilyRules`).
    public var modelRules: Bool
    /// Whether `initialize` opens a connection to `base_url` ahead of the first request.
    public var preconnect: Bool
    /// Whether streamed chat and text completions ask for a usage chunk (`stream_options`).
    public var streamUsage: Bool
    /// The configured MCP servers (`mcp_servers`), in name order.
    public var mcpServers: [MCPServerSpec]
    /// The model that names new stored conversations (`title_model`); nil: the first user
    /// message's first line, without a model call.
    public var titleModel: String?
    /// The conversation store's file (`store_path`, `~` expanded), nil when `store` is false.
    public var storePath: String?

    /// Reads a merged configuration object (already validated, defaults included).
    init(_ config: JSONObject, profile: String?) throws(ResponseError) {
        self.profile = profile
        let base = config["base_url"]?.stringValue ?? ""
        guard let url = URL(string: base.hasSuffix("/") ? String(base.dropLast()) : base), url.host != nil else {
            throw ResponseError(.configError, "base_url is not a usable URL: \"\(URLPassword.redacted(in: base))\"", data: ["field": "base_url"])
        }
        baseURL = url
        apiKey = config["api_key"]?.stringValue
        // The config file and config.update are checked as they arrive; this catches a key from
        // the environment (OPENAI_API_KEY), which nothing checks before it is used.
        if let control = apiKey?.firstControlCharacter() {
            throw ResponseError(.configError, "api_key holds a control character (\(control.codePointText)), which would break the Authorization header: "
                                    + "check OPENAI_API_KEY or SWITCHBOARD_API_KEY", data: ["field": "api_key"])
        }
        apiKeyCommand = config["api_key_command"]?.arrayValue?.compactMap(\.stringValue)
        apiKeyCommandTimeoutSeconds = config["api_key_command_timeout_seconds"]?.doubleValue ?? 30
        var headers: [String: String] = [:]
        for (name, value) in config["headers"]?.objectValue ?? JSONObject() {
            if let value = value.stringValue { headers[name] = value }
        }
        self.headers = headers
        defaultModel = config["default_model"]?.stringValue ?? "gpt-4o-mini"
        visionModel = config["vision_model"]?.stringValue ?? "gpt-4o"
        embeddingModel = config["embedding_model"]?.stringValue ?? "text-embedding-3-small"
        timeoutSeconds = config["timeout_seconds"]?.doubleValue ?? 600
        firstByteTimeoutSeconds = config["first_byte_timeout_seconds"]?.doubleValue ?? 300
        idleTimeoutSeconds = config["idle_timeout_seconds"]?.doubleValue ?? 60
        maxRetries = config["max_retries"]?.intValue ?? 2
        maxFileBytes = config["max_file_bytes"]?.intValue ?? 20_971_520
        maxRequestFileBytes = config["max_request_file_bytes"]?.intValue ?? 52_428_800
        modelRules = config["model_rules"]?.boolValue ?? true
        preconnect = config["preconnect"]?.boolValue ?? true
        streamUsage = config["stream_usage"]?.boolValue ?? true
        mcpServers = MCPServersConfig.specs(config["mcp_servers"])
        titleModel = config["title_model"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
        storePath = config["store"]?.boolValue == false ? nil : config["store_path"]?.stringValue.map(LocalPath.resolve) ?? Self.defaultStorePath()
    }

    /// `$XDG_DATA_HOME/switchboard/conversations.sqlite3`, `XDG_DATA_HOME` defaulting to ~/.local/share.
    static func defaultStorePath() -> String {
        let environment = ProcessInfo.processInfo.environment
        let data = environment["XDG_DATA_HOME"].flatMap { $0.hasPrefix("/") ? $0 : nil }
            ?? HomeDirectory.current(environment: environment["HOME"]) + "/.local/share"
        return data + "/switchboard/conversations.sqlite3"
    }
}
