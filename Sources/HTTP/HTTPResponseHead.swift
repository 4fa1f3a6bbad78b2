/// The status and header fields of a response, as they arrived.
public struct HTTPResponseHead: Sendable, Equatable {
    public var status: Int
    /// Header fields by lowercased name; a field sent several times has its values joined by ", ".
    public var headers: [String: String]

    public init(status: Int, headers: [String: String] = [:]) {
        self.status = status
        self.headers = headers
    }

    public var isSuccess: Bool { (200..<300).contains(status) }
    public var contentType: String? { headers["content-type"] }

    /// The declared body length, when the server gave one.
    public var contentLength: Int? { headers["content-length"].flatMap { Int($0.trimmed) } }

    /// The content coding of the body when it is not `identity` (e.g. `gzip`); nil for plain bodies.
    public var contentEncoding: String? {
        guard let value = headers["content-encoding"]?.trimmed.lowercased(), !value.isEmpty, value != "identity" else {
            return nil
        }
        return value
    }
}

extension String {
    /// Without leading and trailing spaces and tabs (HTTP's optional white space).
    var trimmed: String {
        var view = Substring(self)
        while let first = view.first, first == " " || first == "\t" { view.removeFirst() }
        while let last = view.last, last == " " || last == "\t" { view.removeLast() }
        return String(view)
    }
}
