/// A JSON-RPC error code: an open set, so application codes can be added without touching callers.
public struct ErrorCode: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }

    // JSON-RPC 2.0
    public static let parseError = ErrorCode(rawValue: -32700)
    public static let invalidRequest = ErrorCode(rawValue: -32600)
    public static let methodNotFound = ErrorCode(rawValue: -32601)
    public static let invalidParams = ErrorCode(rawValue: -32602)
    public static let internalError = ErrorCode(rawValue: -32603)
    // LSP
    public static let requestCancelled = ErrorCode(rawValue: -32800)
    // Switchboard (-32000 ... -32099)
    /// The upstream answered with an HTTP error status.
    public static let upstreamHTTPError = ErrorCode(rawValue: -32001)
    /// The upstream could not be reached (DNS, refused connection, TLS, reset before an answer).
    public static let upstreamUnreachable = ErrorCode(rawValue: -32002)
    /// The request took longer than `timeout_seconds`, or a stream was idle too long.
    public static let upstreamTimeout = ErrorCode(rawValue: -32003)
    /// The upstream's answer was unusable: a stream dropped mid-way, garbage SSE, an error event.
    public static let upstreamBadResponse = ErrorCode(rawValue: -32004)
    /// The configuration does not allow the request (no API key, bad base URL, unknown profile).
    public static let configError = ErrorCode(rawValue: -32005)
    /// A local file named in the request is missing, unreadable, too large or of the wrong type.
    public static let fileError = ErrorCode(rawValue: -32006)
    /// The upstream refused or failed a task it runs for us: a MidJourney submit answered with a
    /// code other than 1, 21 or 22 (data `{code, description, properties?}`), or a task waited on
    /// ended in FAILURE or CANCEL (data `{status, failReason, task}`).
    public static let upstreamTaskFailed = ErrorCode(rawValue: -32007)
    /// The conversation store cannot be used: SQLite is missing, the file is not a usable store,
    /// another process held it locked too long, a write failed, or `store` is false.
    public static let storeError = ErrorCode(rawValue: -32008)

    public var description: String { String(rawValue) }
}
