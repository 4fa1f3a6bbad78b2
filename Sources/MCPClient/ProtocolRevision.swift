/// The MCP revisions this client speaks and the `_meta` keys of the modern one: the same names
/// as the server mode's `ProtocolVersion` and `RequestMeta` (module MCP), which this module
/// cannot import (MCP depends on the server, which depends on this client).
public enum ProtocolRevision {
    /// The modern revision: no handshake, `server/discover`, the version in every request's `_meta`.
    public static let modern = "2026-07-28"
    /// Reached with `initialize`, oldest first.
    public static let legacy = ["2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25"]
    /// The legacy revision asked for in `initialize`.
    public static let newestLegacy = "2025-11-25"

    static let versionKey = "io.modelcontextprotocol/protocolVersion"
    static let capabilitiesKey = "io.modelcontextprotocol/clientCapabilities"
    static let clientInfoKey = "io.modelcontextprotocol/clientInfo"

    /// -32022 `UnsupportedProtocolVersionError` (2026-07-28): its data lists the versions to use.
    static let unsupportedVersionCode = -32022

    /// Every revision, newest first, as errors list them.
    static var all: [String] { [modern] + legacy.reversed() }
}

/// The protocol a server was found to speak.
enum Era: Sendable, Equatable {
    /// `version` is `ProtocolRevision.modern`; every request carries it in `_meta`.
    case modern(String)
    /// Opened with `initialize`, which agreed on `version`.
    case legacy(String)

    var version: String {
        switch self {
        case .modern(let version), .legacy(let version): version
        }
    }

    var isModern: Bool { if case .modern = self { true } else { false } }
}
