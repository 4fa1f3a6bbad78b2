public import JSONRPC

/// What a request's `params._meta` says: its progress token and, for modern revisions, the
/// protocol version, client capabilities and log level it is sent under.
public struct RequestMeta: Sendable {
    public static let versionKey = "io.modelcontextprotocol/protocolVersion"
    public static let capabilitiesKey = "io.modelcontextprotocol/clientCapabilities"
    public static let logLevelKey = "io.modelcontextprotocol/logLevel"
    public static let serverInfoKey = "io.modelcontextprotocol/serverInfo"

    /// `progressToken`: a string or an integer.
    public var progressToken: JSONValue?
    /// The modern revision the request declares; nil for a legacy request.
    public var version: ProtocolVersion?
    /// The level at and above which `notifications/message` is wanted (modern requests only).
    public var logLevel: LogLevel?

    /// - Throws: -32022 for an unsupported declared version, -32602 for a modern request without
    ///   client capabilities or with an unknown log level or a progress token that is not a
    ///   string or an integer.
    public init(_ params: JSONValue?) throws(ResponseError) {
        let meta = params?["_meta"]
        if let meta, !meta.isNull, meta.objectValue == nil { throw .invalidParams(field: "_meta", "must be an object") }
        if let token = meta?["progressToken"] {
            guard token.stringValue != nil || token.intValue != nil else {
                throw .invalidParams(field: "_meta.progressToken", "must be a string or an integer")
            }
            progressToken = token
        }
        guard let declared = meta?[Self.versionKey] else { return }
        guard let name = declared.stringValue else { throw .invalidParams(field: "_meta.\(Self.versionKey)", "must be a string") }
        guard let version = ProtocolVersion(name), version.isModern else { throw MCPError.unsupported(name) }
        guard meta?[Self.capabilitiesKey]?.objectValue != nil else {
            throw .invalidParams(field: "_meta.\(Self.capabilitiesKey)", "is required with \(Self.versionKey) (an object; {} for none)")
        }
        self.version = version
        if let level = meta?[Self.logLevelKey] { logLevel = try LogLevel(level, field: "_meta.\(Self.logLevelKey)") }
    }
}
