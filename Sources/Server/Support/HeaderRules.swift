/// What a request header set by configuration or by a client may be: the one place these rules
/// are written, for `headers` in the configuration and in `api.request`.
enum HeaderRules {
    /// Names that frame the request or say which host it is for: only the HTTP engine sets them.
    /// A configured `Host` would replace the real one (and could send the key's request to a
    /// virtual host that is not the configured origin's).
    static let framing: Set<String> = [
        "host", "content-length", "transfer-encoding", "connection", "keep-alive", "te", "trailer", "upgrade", "expect",
    ]

    private static let tokenCharacters = Set("!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")

    /// Whether `name` is an HTTP token (RFC 9110), as a field name must be.
    static func isToken(_ name: String) -> Bool {
        !name.isEmpty && name.allSatisfy(tokenCharacters.contains)
    }

    /// Whether `value` holds a CR, LF or NUL, which would end the header and start another.
    static func breaksLine(_ value: String) -> Bool {
        value.unicodeScalars.contains { $0 == "\r" || $0 == "\n" || $0 == "\0" }
    }
}
