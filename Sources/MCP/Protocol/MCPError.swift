public import JSONRPC

/// The JSON-RPC errors MCP defines beyond the standard ones.
public enum MCPError {
    /// -32022 `UnsupportedProtocolVersionError` (2026-07-28): lists the versions to retry with.
    public static let unsupportedProtocolVersion = ErrorCode(rawValue: -32022)

    public static func unsupported(_ requested: String) -> ResponseError {
        ResponseError(unsupportedProtocolVersion, "Unsupported protocol version \(requested)", data: [
            "supported": .array(ProtocolVersion.all.map { .string($0.name) }),
            "requested": .string(requested),
        ])
    }
}
