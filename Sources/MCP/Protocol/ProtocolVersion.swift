/// The MCP revisions this server speaks, and what differs between them.
///
/// Two eras (see the 2026-07-28 specification, "Versioning and Compatibility"): *modern*
/// revisions carry the version, client capabilities and log level in every request's `_meta`
/// and have no handshake; *legacy* ones open with `initialize`. Switchboard is dual-era: a request
/// with `_meta["io.modelcontextprotocol/protocolVersion"]` is served statelessly, an `initialize`
/// starts a legacy session for the process.
public struct ProtocolVersion: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let name: String
    private let rank: Int

    public static let v2024_11_05 = ProtocolVersion(name: "2024-11-05", rank: 0)
    public static let v2025_03_26 = ProtocolVersion(name: "2025-03-26", rank: 1)
    public static let v2025_06_18 = ProtocolVersion(name: "2025-06-18", rank: 2)
    public static let v2025_11_25 = ProtocolVersion(name: "2025-11-25", rank: 3)
    public static let v2026_07_28 = ProtocolVersion(name: "2026-07-28", rank: 4)

    /// Reached with `initialize`, oldest first.
    public static let legacy = [v2024_11_05, v2025_03_26, v2025_06_18, v2025_11_25]
    /// Declared per request in `_meta`.
    public static let modern = [v2026_07_28]
    /// Every supported revision, newest first, as `UnsupportedProtocolVersionError` lists them.
    public static let all = (legacy + modern).sorted(by: >)

    public init?(_ name: String) {
        guard let known = (Self.legacy + Self.modern).first(where: { $0.name == name }) else { return nil }
        self = known
    }

    private init(name: String, rank: Int) {
        self.name = name
        self.rank = rank
    }

    public var isModern: Bool { self >= .v2026_07_28 }

    /// The version an `initialize` answer names: the client's when it is a legacy revision this
    /// server supports, else the newest legacy one (the client then decides whether to go on).
    public static func negotiate(initialize requested: String?) -> ProtocolVersion {
        requested.flatMap(ProtocolVersion.init).flatMap { legacy.contains($0) ? $0 : nil } ?? v2025_11_25
    }

    // MARK: What each revision has

    /// Tool `annotations` and `audio` content (2025-03-26).
    public var hasAnnotationsAndAudio: Bool { self >= .v2025_03_26 }
    /// `title`, `outputSchema`, `structuredContent` and `resource_link` content (2025-06-18).
    public var hasStructuredResults: Bool { self >= .v2025_06_18 }
    /// `resultType`, `_meta` serverInfo on results, caching hints on lists (2026-07-28).
    public var hasResultType: Bool { isModern }

    public static func < (lhs: ProtocolVersion, rhs: ProtocolVersion) -> Bool { lhs.rank < rhs.rank }
    public var description: String { name }
}
