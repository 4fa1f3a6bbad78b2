import FoundationEssentials

/// The environment a stdio MCP server starts with: a minimal safe one, plus the spec's `env`.
///
/// A server is a program a model drives: it gets what a program needs to run (where commands are,
/// the user, home, locale, terminal, temporary folder, shell, XDG folders, time zone) and nothing
/// else of the daemon's. `OPENAI_API_KEY`, `SWITCHBOARD_API_KEY`, proxies' credentials, cloud
/// tokens: none is passed unless the spec's `env` names it.
public enum MCPServerEnvironment {
    /// The daemon's variables a server inherits.
    public static let inherited: Set<String> = ["PATH", "HOME", "USER", "LOGNAME", "LANG", "TERM", "TMPDIR", "SHELL", "TZ"]
    /// Prefixes of inherited variables (`LC_ALL`, `LC_CTYPE`, `XDG_RUNTIME_DIR`, ...).
    public static let inheritedPrefixes = ["LC_", "XDG_"]

    /// The daemon's variables that pass, with `extra` added (it wins over them).
    /// - Parameter environment: the daemon's environment; nil reads it.
    public static func make(from environment: [String: String]? = nil, adding extra: [String: String]) -> [String: String] {
        let environment = environment ?? ProcessInfo.processInfo.environment
        var result = environment.filter { name, _ in
            inherited.contains(name) || inheritedPrefixes.contains { name.hasPrefix($0) }
        }
        result.merge(extra) { _, added in added }
        return result
    }

    /// `NAME=value` entries, sorted by name, as `Subprocess` takes them.
    static func entries(_ environment: [String: String]) -> [String] {
        environment.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
    }
}
