import JSONRPC

/// The `path`, `query` and `headers` params of `api.request`, checked so that a request can only
/// go below `base_url` and can carry nothing that changes where it goes or how it is framed.
enum APIPath {
    /// `path` as a path relative to `base_url` (`files`, `vector_stores/vs_1/files`); a leading
    /// `/` is allowed and means the same. Refused (-32602): a URL with a scheme, `//`, empty,
    /// `.` and `..` segments (also `..;x`: Tomcat, Jetty and Spring drop a segment's `;parameters`
    /// and then resolve the `..`), `\`, `?` and `#` (the query goes in `query`), `%` (each segment is
    /// percent-encoded by the daemon, so an encoded `..` or `/` cannot slip through) and control
    /// characters.
    static func relative(_ path: String) throws(ResponseError) -> String {
        func refuse(_ reason: String) -> ResponseError {
            .invalidParams(field: "path", "must be a path relative to base_url such as \"files\" or \"batches/batch_1/cancel\": \(reason)")
        }
        // Judged by scalars and bytes, not characters: a "/" followed by a combining mark is one
        // Character but still a "/" in a URL.
        if path.utf8.starts(with: "//".utf8) { throw refuse("it starts with // (another host)") }
        let relative = path.utf8.first == UInt8(ascii: "/") ? String(path.unicodeScalars.dropFirst()) : path
        if relative.unicodeScalars.prefix(while: { $0 != "/" }).contains(":") {
            throw refuse("its first segment holds a colon, as a URL's scheme does (absolute URLs are refused: the key goes only to base_url)")
        }
        if let character = path.unicodeScalars.first(where: { $0.value < 0x20 || $0.value == 0x7F }) {
            throw refuse("it holds the control character U+\(String(character.value, radix: 16, uppercase: true))")
        }
        for (character, reason) in [("\\", "a backslash"), ("?", "a ? (give the query string as `query`)"), ("#", "a #"),
                                    ("%", "a % (give segments unencoded: the daemon encodes them)")]
        where path.unicodeScalars.contains(Unicode.Scalar(character)!) {
            throw refuse("it holds \(reason)")
        }
        let segments = relative.utf8.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false)
        if relative.isEmpty || segments.contains(where: \.isEmpty) { throw refuse("it has an empty segment") }
        let names = segments.map { $0.prefix { $0 != UInt8(ascii: ";") } }
        if names.contains(where: { $0.elementsEqual(".".utf8) || $0.elementsEqual("..".utf8) }) {
            throw refuse("it has a . or .. segment (a segment such as ..;x counts: servers drop its ;parameters)")
        }
        if names.contains(where: \.isEmpty) { throw refuse("it has a segment that is empty once its ;parameters are dropped") }
        return relative
    }

    /// The `query` param as name/value pairs in its order: a string as it is, a number or boolean
    /// as JSON writes it, an array as one pair per element (`{"include[]": ["a", "b"]}` gives
    /// `include[]=a&include[]=b`); null is left out. Objects and nested arrays: -32602.
    static func query(_ value: JSONValue?) throws(ResponseError) -> [(name: String, value: String)] {
        guard let value, !value.isNull else { return [] }
        guard let object = value.objectValue else { throw .invalidParams(field: "query", "must be an object of names and values, got \(value.typeName)") }
        var pairs: [(name: String, value: String)] = []
        for (name, value) in object {
            for (index, element) in (value.arrayValue ?? [value]).enumerated() {
                let field = value.arrayValue == nil ? "query.\(name)" : "query.\(name).\(index)"
                guard let text = scalarText(element) else {
                    if element.isNull { continue }
                    throw .invalidParams(field: field, "must be a string, number, boolean or an array of them, got \(element.typeName)")
                }
                pairs.append((name, text))
            }
        }
        return pairs
    }

    /// A string as it is, a number or a boolean as JSON writes it; nil for anything else.
    static func scalarText(_ value: JSONValue) -> String? {
        switch value {
        case .string(let text): text
        case .number(let number): number.literal
        case .bool(let flag): flag ? "true" : "false"
        default: nil
        }
    }

    /// Header names the daemon sets itself or that frame the request: a client may not send them.
    static let reservedHeaders = HeaderRules.framing.union(["authorization", "proxy-authorization", "content-type", "accept-encoding"])

    /// The `headers` param: names that are HTTP tokens and not reserved, string values without
    /// CR, LF or NUL.
    static func headers(_ value: JSONValue?) throws(ResponseError) -> [(name: String, value: String)] {
        guard let value, !value.isNull else { return [] }
        guard let object = value.objectValue else { throw .invalidParams(field: "headers", "must be an object of header names and values, got \(value.typeName)") }
        var headers: [(name: String, value: String)] = []
        for (name, value) in object {
            let field = "headers.\(name)"
            guard HeaderRules.isToken(name) else { throw .invalidParams(field: field, "is not a valid header name") }
            guard !reservedHeaders.contains(name.lowercased()) else {
                throw .invalidParams(field: field, "is set by the daemon (the key comes from the configuration; bodies are framed by it) and cannot be sent")
            }
            guard let text = value.stringValue else { throw .invalidParams(field: field, "must be a string, got \(value.typeName)") }
            guard !HeaderRules.breaksLine(text) else {
                throw .invalidParams(field: field, "must not contain CR, LF or NUL")
            }
            headers.append((name, text))
        }
        return headers
    }
}
