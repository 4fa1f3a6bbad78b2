/// Passwords written into URLs (`https://user:password@host/v1`), hidden wherever such a URL is
/// shown: `config.get`, errors, logs.
public enum URLPassword {
    /// The replacement for a password, as for every other secret.
    public static let mask = "[redacted]"

    /// `text` with the password of every URL in it (`scheme://user:password@`) replaced by
    /// `mask`; the user name is kept, so the URL still says which account it uses.
    public static func redacted(in text: String) -> String {
        // A password needs an "@": a byte scan spares the texts without one (most) the search below.
        guard text.utf8.contains(UInt8(ascii: "@")) else { return text }
        var result = ""
        var rest = text[...]
        while let separator = rest.firstRange(of: "://") {
            result += rest[..<separator.upperBound]
            rest = rest[separator.upperBound...]
            // The authority ends at the path, query or fragment, or where the URL itself ends.
            let authorityEnd = rest.firstIndex { "/?#".contains($0) || $0.isWhitespace || "\"'<>`".contains($0) } ?? rest.endIndex
            let authority = rest[..<authorityEnd]
            guard let at = authority.lastIndex(of: "@"), let colon = authority[..<at].firstIndex(of: ":"),
                  authority.index(after: colon) < at else { continue }
            result += rest[...colon] + mask
            rest = rest[at...]
        }
        return result + rest
    }
}
