/// One HTTP request as the engine sends it: nothing is added but what libcurl must add (`Host`,
/// `Content-Length`, `Transfer-Encoding`), so what a test server records is what is written here.
public struct HTTPRequest: Sendable {
    /// Where the request body comes from.
    public enum Body: Sendable, Equatable {
        case none
        /// Bytes held in memory (JSON bodies).
        case bytes([UInt8])
        /// A file of `size` bytes, read in chunks while sending (uploads); every attempt reads it
        /// again from the start.
        case file(path: String, size: Int)
    }

    /// `GET`, `POST`, `DELETE`, ...
    public var method: String
    /// An absolute `http://` or `https://` URL.
    public var url: String
    /// Header fields in the order they are written. A field with an empty value is sent empty.
    public var headers: [(name: String, value: String)]
    public var body: Body

    public init(method: String, url: String, headers: [(name: String, value: String)] = [], body: Body = .none) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
    }

    /// The value of the first field named `name` (case-insensitive).
    public func header(_ name: String) -> String? {
        let lowered = name.lowercased()
        return headers.first { $0.name.lowercased() == lowered }?.value
    }

    /// Sets `name` to `value`, replacing every field of that name (case-insensitive).
    public mutating func setHeader(_ name: String, _ value: String) {
        removeHeader(name)
        headers.append((name, value))
    }

    /// Removes every field named `name` (case-insensitive).
    public mutating func removeHeader(_ name: String) {
        let lowered = name.lowercased()
        headers.removeAll { $0.name.lowercased() == lowered }
    }
}
