import Primitives
public import FoundationEssentials
import JSONRPC

/// The one folder under which MCP tools write files (`--output-dir`, else `SWITCHBOARD_OUTPUT_DIR`,
/// else `$XDG_DATA_HOME/switchboard/output`, i.e. `~/.local/share/switchboard/output`).
///
/// An agent host lets a model call tools; no argument can name a destination. Each call that
/// writes gets a new folder of its own, `<root>/<time>-<tool>-<random>/`, so files of concurrent
/// or repeated calls never replace one another.
public struct OutputFolder: Sendable {
    public let root: URL

    public init(root: URL) {
        self.root = root.standardizedFileURL
    }

    /// The default folder under the user's data directory.
    public static func defaultRoot(environment: [String: String]) -> URL {
        if let configured = environment["SWITCHBOARD_OUTPUT_DIR"], !configured.isEmpty {
            return URL(fileURLWithPath: configured, isDirectory: true)
        }
        let home = HomeDirectory.current(environment: environment["HOME"])
        let data = environment["XDG_DATA_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? "\(home)/.local/share"
        return URL(fileURLWithPath: data, isDirectory: true).appendingPathComponent("switchboard/output", isDirectory: true)
    }

    /// Creates and returns a new folder for one call of `tool` (the root is created if needed, mode 0700).
    func newCallFolder(tool: String) throws(ResponseError) -> URL {
        let name = "\(Self.localTimestamp())-\(tool)-\(UUID().uuidString.prefix(8).lowercased())"
        let folder = root.appendingPathComponent(name, isDirectory: true)
        do {
            try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: false)
        } catch {
            throw ResponseError(.fileError, "cannot create the output folder \(folder.path): \(error) (see --output-dir)",
                                data: ["path": .string(folder.path), "reason": "unwritable"])
        }
        return folder
    }

    /// Whether `path` lies inside the root (after `..` and symbolic links are resolved).
    func contains(_ path: String) -> Bool {
        let resolved = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
        let base = root.resolvingSymlinksInPath().path
        return resolved.hasPrefix(base.hasSuffix("/") ? base : base + "/")
    }

    /// The local time now as `yyyyMMdd-HHmmss`.
    private static func localTimestamp() -> String {
        var now = time(nil)
        var parts = tm()
        localtime_r(&now, &parts)
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(parts.tm_year + 1900)\(two(parts.tm_mon + 1))\(two(parts.tm_mday))-\(two(parts.tm_hour))\(two(parts.tm_min))\(two(parts.tm_sec))"
    }
}
