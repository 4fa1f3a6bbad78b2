import Primitives
import FoundationEssentials
public import JSONRPC
/// Builds the start-up configuration layers: config file < environment < flags.
public enum StartupConfig {
    /// A problem that stops the daemon before it starts (exit code 2).
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// The config file to read: `--config`, else `SWITCHBOARD_CONFIG`, else
    /// `$XDG_CONFIG_HOME/switchboard/config.json` (`~/.config/...`) when it exists.
    public static func configPath(flag: String?, environment: [String: String]) -> (path: String, required: Bool)? {
        if let flag { return (flag, true) }
        if let path = environment["SWITCHBOARD_CONFIG"] { return (path, true) }
        let home = HomeDirectory.current(environment: environment["HOME"])
        let base = environment["XDG_CONFIG_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? "\(home)/.config"
        return ("\(base)/switchboard/config.json", false)
    }

    /// Reads and validates the config file; a missing optional file is an empty layer. A file
    /// that other users could change is refused (see `ConfigFilePermissions`).
    public static func fileLayer(path: String, required: Bool) throws -> JSONObject {
        guard FileManager.default.fileExists(atPath: path) else {
            if required { throw Failure(description: "config file not found: \(path)") }
            return JSONObject()
        }
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw Failure(description: "cannot read config file \(path): \(SystemCallError("open").reason)") }
        defer { close(descriptor) }
        try ConfigFilePermissions.check(descriptor, path: path)
        let bytes: [UInt8]
        do { bytes = try FileIO.readToEnd(descriptor) } catch {
            throw Failure(description: "cannot read config file \(path): \(error.reason)")
        }
        let value: JSONValue
        do { value = try JSONParser.parse(bytes) } catch {
            throw Failure(description: "config file \(path) is not valid JSON: \(error)")
        }
        guard let object = value.objectValue else { throw Failure(description: "config file \(path) must hold a JSON object") }
        do { try ConfigSchema.validate(object) } catch {
            throw Failure(description: "config file \(path): \(error.message)")
        }
        return object
    }

    /// The environment layer: `OPENAI_*`, overridden by `SWITCHBOARD_*`. A variable set to the
    /// empty string is ignored, except a key: an empty `OPENAI_API_KEY` or `SWITCHBOARD_API_KEY`
    /// is `api_key: ""`, which sends no key (for local servers), as in the config file.
    public static func environmentLayer(_ environment: [String: String]) -> JSONObject {
        var layer = JSONObject()
        let mapping: [(variable: String, field: String)] = [
            ("OPENAI_API_KEY", "api_key"), ("OPENAI_BASE_URL", "base_url"),
            ("SWITCHBOARD_API_KEY", "api_key"), ("SWITCHBOARD_BASE_URL", "base_url"),
            ("SWITCHBOARD_MODEL", "default_model"), ("SWITCHBOARD_PROFILE", "default_profile"),
        ]
        for (variable, field) in mapping {
            if let value = environment[variable], !value.isEmpty || field == "api_key" { layer[field] = .string(value) }
        }
        return layer
    }
}
