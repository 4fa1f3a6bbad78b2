public import JSONRPC
import Primitives

/// The configuration's fields, their types and defaults: the one place a field is declared.
public enum ConfigSchema {
    enum Kind {
        case string, secret, url, stringArray, path, paths, headers, positiveNumber, count, boolean, profiles, mcpServers
    }

    static let fields: [(name: String, kind: Kind)] = [
        ("base_url", .url), ("api_key", .secret), ("api_key_command", .stringArray),
        ("api_key_command_timeout_seconds", .positiveNumber),
        ("headers", .headers), ("default_model", .string), ("vision_model", .string), ("embedding_model", .string),
        ("timeout_seconds", .positiveNumber), ("first_byte_timeout_seconds", .positiveNumber),
        ("idle_timeout_seconds", .positiveNumber),
        ("max_retries", .count), ("max_file_bytes", .count), ("max_request_file_bytes", .count), ("profiles", .profiles),
        ("default_profile", .string), ("model_rules", .boolean), ("preconnect", .boolean), ("stream_usage", .boolean),
        ("read_roots", .paths), ("mcp_servers", .mcpServers), ("store", .boolean), ("store_path", .path),
        ("title_model", .string),
    ]

    /// The longest timeout accepted: a week (larger values overflow the HTTP stack's timers).
    static let maxSeconds: Double = 604_800

    /// Fields a profile may not set: those that choose between profiles, `read_roots` and
    /// `mcp_servers` (which a request's choice of profile must not widen), and the conversation
    /// store's (one store for every request, so that a conversation is found whatever profile
    /// continues it).
    static let globalOnly: Set<String> = ["profiles", "default_profile", "read_roots", "mcp_servers", "store", "store_path"]

    /// The built-in defaults, the lowest configuration layer.
    public static let defaults: JSONObject = [
        "base_url": "https://api.openai.com/v1",
        "headers": [:],
        "default_model": "gpt-4o-mini",
        "vision_model": "gpt-4o",
        "embedding_model": "text-embedding-3-small",
        "timeout_seconds": 600,
        "first_byte_timeout_seconds": 300,
        "idle_timeout_seconds": 60,
        "max_retries": 2,
        "max_file_bytes": 20_971_520,
        "max_request_file_bytes": 52_428_800,
        "api_key_command_timeout_seconds": 30,
        "model_rules": true,
        "preconnect": true,
        "stream_usage": true,
    ]

    /// Checks a partial configuration (a merge patch: `null` values are allowed and delete).
    /// - Parameter path: the prefix for field names in errors (`profiles.local.`).
    public static func validate(_ patch: JSONObject, path: String = "", inProfile: Bool = false) throws(ResponseError) {
        for (key, value) in patch {
            let field = path + key
            guard let kind = fields.first(where: { $0.name == key })?.kind, !(inProfile && globalOnly.contains(key)) else {
                throw .invalidParams(field: field, "is not a configuration field\(inProfile ? " a profile can set" : "")")
            }
            if value.isNull { continue }
            try check(value, kind: kind, field: field)
        }
    }

    private static func check(_ value: JSONValue, kind: Kind, field: String) throws(ResponseError) {
        switch kind {
        case .string:
            guard value.stringValue != nil else { throw .invalidParams(field: field, "must be a string, got \(value.typeName)") }
        case .secret:
            guard let text = value.stringValue else { throw .invalidParams(field: field, "must be a string, got \(value.typeName)") }
            // Named by code point only: the value is a secret.
            if let control = text.firstControlCharacter() {
                throw .invalidParams(field: field, "must not contain a control character (it holds \(control.codePointText)): "
                                         + "the key goes into the Authorization header, where a line break would start another header")
            }
        case .url:
            guard let text = value.stringValue else { throw .invalidParams(field: field, "must be a string, got \(value.typeName)") }
            guard text.hasPrefix("http://") || text.hasPrefix("https://") else {
                throw .invalidParams(field: field, "must be an http:// or https:// URL, got \"\(URLPassword.redacted(in: text))\"")
            }
        case .stringArray:
            guard let array = value.arrayValue, !array.isEmpty, array.allSatisfy({ $0.stringValue != nil }) else {
                throw .invalidParams(field: field, "must be a non-empty array of strings (argv)")
            }
        case .path:
            guard let text = value.stringValue, !text.isEmpty else { throw .invalidParams(field: field, "must be a file path") }
        case .paths:
            guard let array = value.arrayValue, array.allSatisfy({ !($0.stringValue ?? "").isEmpty }) else {
                throw .invalidParams(field: field, "must be an array of folder paths")
            }
        case .headers:
            guard let object = value.objectValue else { throw .invalidParams(field: field, "must be an object, got \(value.typeName)") }
            for (name, headerValue) in object where !headerValue.isNull {
                try checkHeader(name, headerValue, field: "\(field).\(name)")
            }
        case .positiveNumber:
            guard let number = value.doubleValue, number > 0, number <= maxSeconds else {
                throw .invalidParams(field: field, "must be a number of seconds above 0 and at most \(Int(maxSeconds))")
            }
        case .count:
            guard let number = value.intValue, number >= 0 else { throw .invalidParams(field: field, "must be a whole number, 0 or more") }
        case .boolean:
            guard value.boolValue != nil else { throw .invalidParams(field: field, "must be true or false, got \(value.typeName)") }
        case .mcpServers:
            try MCPServersConfig.validate(value, field: field)
        case .profiles:
            guard let profiles = value.objectValue else { throw .invalidParams(field: field, "must be an object of named profiles") }
            for (name, profile) in profiles where !profile.isNull {
                guard let object = profile.objectValue else {
                    throw .invalidParams(field: "\(field).\(name)", "must be an object, got \(profile.typeName)")
                }
                try validate(object, path: "\(field).\(name).", inProfile: true)
            }
        }
    }

    /// One configured header: a name that is an HTTP token and not one only the HTTP engine sets
    /// (`Host`, `Content-Length`, …), a string value without CR, LF or NUL. A secret header's
    /// value is not quoted.
    private static func checkHeader(_ name: String, _ value: JSONValue, field: String) throws(ResponseError) {
        guard HeaderRules.isToken(name) else {
            throw .invalidParams(field: field, "is not a valid header name (letters, digits and !#$%&'*+-.^_`|~ only)")
        }
        guard !HeaderRules.framing.contains(name.lowercased()) else {
            throw .invalidParams(field: field, "cannot be configured: the HTTP engine sets it (for the host and framing of each request)")
        }
        guard let text = value.stringValue else { throw .invalidParams(field: field, "must be a string, got \(value.typeName)") }
        guard !HeaderRules.breaksLine(text) else {
            throw .invalidParams(field: field, "must not contain CR, LF or NUL (a line break would start another header)")
        }
    }

    /// Whether a header's value is a credential, to be hidden like `api_key`.
    static func isSecretHeader(_ name: String) -> Bool {
        let lowered = name.lowercased()
        return ["authorization", "key", "token", "secret", "cookie"].contains { lowered.contains($0) }
    }

    /// `config` with secrets replaced by `[redacted]` (and `base_url`'s password, if it has one),
    /// as `config.get` shows it.
    public static func redacted(_ config: JSONObject) -> JSONObject {
        var result = config
        if result["api_key"]?.stringValue != nil { result["api_key"] = "[redacted]" }
        if let url = result["base_url"]?.stringValue { result["base_url"] = .string(URLPassword.redacted(in: url)) }
        if var headers = result["headers"]?.objectValue {
            for (name, _) in headers where isSecretHeader(name) { headers[name] = "[redacted]" }
            result["headers"] = .object(headers)
        }
        if let servers = result["mcp_servers"] { result["mcp_servers"] = MCPServersConfig.redacted(servers) }
        if var profiles = result["profiles"]?.objectValue {
            for (name, profile) in profiles {
                if let object = profile.objectValue { profiles[name] = .object(redacted(object)) }
            }
            result["profiles"] = .object(profiles)
        }
        return result
    }
}
