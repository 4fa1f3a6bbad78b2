public import JSONRPC
import Primitives
import Transport

/// The live configuration: the start-up layers (defaults, file, environment, flags) with
/// `initialize.config` and `config.update` patches merged on top, in arrival order.
public final class ConfigStore: Sendable {
    /// The fields that decide where requests go and which credentials they carry, that run a
    /// command, that widen which files may be read, or that choose which file conversations are
    /// written to and whether they are kept: what `--no-remote-config` keeps out of the client's reach.
    public static let remoteLockedFields: Set<String> = [
        "base_url", "headers", "api_key", "api_key_command", "api_key_command_timeout_seconds", "profiles", "read_roots",
        "mcp_servers", "store", "store_path",
    ]

    private let config: Locked<JSONObject>
    private let secrets: Secrets
    private let lockedOverTheWire: Bool

    /// - Parameter startup: the merged start-up layers, already validated.
    /// - Parameter lockedOverTheWire: `--no-remote-config`: `apply` refuses to change
    ///   `remoteLockedFields`.
    public init(startup: JSONObject, secrets: Secrets, lockedOverTheWire: Bool = false) {
        config = Locked(ConfigSchema.defaults.merging(startup))
        self.secrets = secrets
        self.lockedOverTheWire = lockedOverTheWire
        registerSecrets(of: config.current)
    }

    /// The effective configuration, secrets included (never send this to a client as-is).
    public var current: JSONObject { config.current }

    /// Validates and merges a partial configuration from the client (`initialize.config`,
    /// `config.update`). With `lockedOverTheWire`, a patch that would change one of
    /// `remoteLockedFields` is refused whole (-32005 naming the field); setting one to the value
    /// it already has is not a change.
    /// - Parameter path: prefix for field names in errors (`config.` inside `initialize`).
    public func apply(_ patch: JSONObject, path: String = "") throws(ResponseError) {
        try ConfigSchema.validate(patch, path: path)
        let outcome = config.withLock { config -> Result<JSONObject, ResponseError> in
            let merged = config.merging(patch)
            if lockedOverTheWire, let field = Self.remoteLockedFields.sorted().first(where: { merged[$0] != config[$0] }) {
                return .failure(ResponseError(.configError,
                                              "\(path)\(field) cannot be changed by the client: the daemon was started with --no-remote-config",
                                              data: ["field": .string(path + field)]))
            }
            config = merged
            return .success(merged)
        }
        let merged = try outcome.get()
        registerSecrets(of: merged)
    }

    /// The settings for one request: `profile`, else `default_profile`, merged over the rest.
    public func settings(profile requested: String?) throws(ResponseError) -> Settings {
        try Self.settings(in: config.current, profile: requested)
    }

    /// The settings `profile` (else `default_profile`) gives in the configuration `current`: a
    /// request resolves them in the configuration in force when it was read (its context keeps it).
    public static func settings(in current: JSONObject, profile requested: String?) throws(ResponseError) -> Settings {
        let name = requested ?? current["default_profile"]?.stringValue
        guard let name else { return try Settings(current, profile: nil) }
        guard let profile = current["profiles"]?[name]?.objectValue else {
            let known = current["profiles"]?.objectValue?.keys.sorted().joined(separator: ", ") ?? ""
            throw ResponseError(.configError, "unknown profile \"\(name)\" (configured: \(known.isEmpty ? "none" : known))",
                                data: ["field": "profile"])
        }
        var merged = current
        merged["profiles"] = nil
        return try Settings(merged.merging(profile), profile: name)
    }

    /// The configuration as `config.get` shows it: secrets redacted, optionally with a profile applied.
    public func view(profile: String?) throws(ResponseError) -> JSONValue {
        var shown = config.current
        if let profile {
            _ = try settings(profile: profile)
            let overlay = shown["profiles"]?[profile]?.objectValue ?? JSONObject()
            shown = shown.merging(overlay)
        }
        return .object(ConfigSchema.redacted(shown))
    }

    private func registerSecrets(of config: JSONObject) {
        MCPServersConfig.secretValues(config["mcp_servers"]).forEach(secrets.register)
        var layers = [config]
        layers += (config["profiles"]?.objectValue ?? JSONObject()).compactMap { $0.value.objectValue }
        for layer in layers {
            if let key = layer["api_key"]?.stringValue { secrets.register(key) }
            for (name, value) in layer["headers"]?.objectValue ?? JSONObject() where ConfigSchema.isSecretHeader(name) {
                if let value = value.stringValue { secrets.register(value) }
            }
        }
    }
}
