public import JSONRPC

/// One HTTP request the fake upstream received, recorded before its handler ran.
public struct RecordedRequest: Sendable {
    /// The method, e.g. `POST`.
    public let method: String
    /// The request target: path plus query, e.g. `/v1/models` or `/v1/files?purpose=vision`.
    public let path: String
    /// Header fields with lowercased names; a repeated field's values are joined with ", ".
    public let headers: [String: String]
    /// The body, with any chunked transfer coding removed.
    public let body: [UInt8]

    /// Builds a request by hand (for unit tests of code that takes a `RecordedRequest`).
    /// Header names are lowercased.
    public init(method: String, path: String, headers: [String: String] = [:], body: [UInt8] = []) {
        self.method = method
        self.path = path
        var lowered: [String: String] = [:]
        for (name, value) in headers { lowered[name.lowercased()] = value }
        self.headers = lowered
        self.body = body
    }

    /// The value of the header `name`, compared case-insensitively.
    public func header(_ name: String) -> String? { headers[name.lowercased()] }

    /// The body parsed as JSON; nil when it is empty or not JSON.
    public var json: JSONValue? { try? JSONParser.parse(body) }

    /// The body as UTF-8 text (invalid sequences replaced).
    public var text: String { String(decoding: body, as: UTF8.self) }

    /// The parts of a `multipart/form-data` body; nil when the content type is something else, has
    /// no boundary, or the body is not well-formed multipart.
    public var multipartParts: [MultipartPart]? {
        guard let contentType = header("content-type"),
              let boundary = Multipart.boundary(fromContentType: contentType) else { return nil }
        return Multipart.parse(body, boundary: boundary)
    }
}
