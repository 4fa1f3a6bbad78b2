public import JSONRPC
import Transport

/// The live configuration: the start-up layers (defaults, file, environment, flags) with
/// `initialize.config` and `config.update` patches merged on top, in arrival order.
public final class ConfigStore: Sendable {
    private let config: Locked<JSONObject>
    private let secrets: Secrets

    /// - Parameter startup: the merged start-up layers, already validated.
    public init(startup: JSONObject, secrets: Secrets) {
        config = Locked(ConfigSchema.defaults.merging(startup))
        self.secrets = secrets
        registerSecrets(of: config.current)
    }

    /// The effective configuration, secrets included (never send this to a client as-is).
    public var current: JSONObject { config.current }

    /// Validates and merges a partial configuration.
    /// - Parameter path: prefix for field names in errors (`config.` inside `initialize`).
    public func apply(_ patch: JSONObject, path: String = "") throws(ResponseError) {
        try ConfigSchema.validate(patch, path: path)
        let merged = config.withLock { config in
            config = config.merging(patch)
            return config
        }
        registerSecrets(of: merged)
    }

    /// The settings for one request: `profile`, else `default_profile`, merged over the rest.
    public func settings(profile requested: String?) throws(ResponseError) -> Settings {
        let current = config.current
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
