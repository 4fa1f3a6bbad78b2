/// One part of a `multipart/form-data` body.
public struct MultipartPart: Sendable, Equatable {
    /// The `name` parameter of the part's Content-Disposition ("" when missing).
    public let name: String
    /// The `filename` parameter of the part's Content-Disposition, when present.
    public let filename: String?
    /// The part's own Content-Type header, when present.
    public let contentType: String?
    /// The part's bytes exactly as sent.
    public let body: [UInt8]

    /// Builds a part by hand, e.g. to compare against parsed ones.
    public init(name: String, filename: String? = nil, contentType: String? = nil, body: [UInt8]) {
        self.name = name
        self.filename = filename
        self.contentType = contentType
        self.body = body
    }

    /// The body as UTF-8 text (invalid sequences replaced), handy for plain form fields.
    public var text: String { String(decoding: body, as: UTF8.self) }
}

/// Parsing of `multipart/form-data` bodies (RFC 7578) and of header parameters.
enum Multipart {
    /// The boundary of a `multipart/form-data` content type; nil for other types or a missing boundary.
    static func boundary(fromContentType contentType: String) -> String? {
        let (type, parameters) = headerParameters(contentType)
        guard type.lowercased() == "multipart/form-data",
              let boundary = parameters["boundary"], !boundary.isEmpty else { return nil }
        return boundary
    }

    /// Splits `body` on `--boundary` delimiters; nil when no delimiter or no closing delimiter is found.
    static func parse(_ body: [UInt8], boundary: String) -> [MultipartPart]? {
        let dashBoundary = Array("--\(boundary)".utf8)
        let delimiter = Array("\r\n--\(boundary)".utf8)
        let crlf: [UInt8] = [0x0D, 0x0A]

        var position: Int
        if body.starts(with: dashBoundary) {
            position = 0
        } else if let found = find(delimiter, in: body, from: 0) {
            position = found + 2
        } else {
            return nil
        }
        var parts: [MultipartPart] = []
        while true {
            let afterBoundary = position + dashBoundary.count
            if body.count >= afterBoundary + 2, body[afterBoundary] == 0x2D, body[afterBoundary + 1] == 0x2D {
                return parts
            }
            // Skip transport padding up to the end of the delimiter line.
            guard let lineEnd = find(crlf, in: body, from: afterBoundary) else { return nil }
            let partStart = lineEnd + 2
            guard let partEnd = find(delimiter, in: body, from: partStart) else { return nil }
            guard let part = parsePart(body[partStart..<partEnd]) else { return nil }
            parts.append(part)
            position = partEnd + 2
        }
    }

    private static func parsePart(_ bytes: ArraySlice<UInt8>) -> MultipartPart? {
        let headerEnd: Int
        let bodyStart: Int
        if bytes.starts(with: [0x0D, 0x0A]) {
            headerEnd = bytes.startIndex
            bodyStart = bytes.startIndex + 2
        } else if let found = find([0x0D, 0x0A, 0x0D, 0x0A], in: bytes, from: bytes.startIndex) {
            headerEnd = found
            bodyStart = found + 4
        } else {
            return nil
        }
        var headers: [String: String] = [:]
        let headerText = String(decoding: bytes[bytes.startIndex..<headerEnd], as: UTF8.self)
        for line in headerText.split(separator: "\r\n") {
            guard let colon = line.firstIndex(of: ":") else { return nil }
            headers[line[..<colon].trimmingHTTPWhitespace().lowercased()] = line[line.index(after: colon)...].trimmingHTTPWhitespace()
        }
        let disposition = headers["content-disposition"].map(headerParameters)?.parameters ?? [:]
        return MultipartPart(
            name: disposition["name"] ?? "",
            filename: disposition["filename*"].flatMap(decodeExtendedValue) ?? disposition["filename"],
            contentType: headers["content-type"],
            body: Array(bytes[bodyStart...]))
    }

    /// Splits `value; a=1; b="two; three"` into the leading value and its parameters (names
    /// lowercased, quotes and backslash escapes removed).
    static func headerParameters(_ header: String) -> (value: String, parameters: [String: String]) {
        var segments: [String] = []
        var current = ""
        var inQuotes = false
        var escaped = false
        for character in header {
            if escaped {
                current.append(character)
                escaped = false
            } else if inQuotes && character == "\\" {
                escaped = true
            } else if character == "\"" {
                inQuotes.toggle()
            } else if character == ";" && !inQuotes {
                segments.append(current)
                current = ""
            } else {
                current.append(character)
            }
        }
        segments.append(current)
        var parameters: [String: String] = [:]
        for segment in segments.dropFirst() {
            guard let equals = segment.firstIndex(of: "=") else { continue }
            let name = segment[..<equals].trimmingHTTPWhitespace().lowercased()
            parameters[name] = segment[segment.index(after: equals)...].trimmingHTTPWhitespace()
        }
        return (segments[0].trimmingHTTPWhitespace(), parameters)
    }

    /// Decodes an RFC 8187 value such as `UTF-8''na%C3%AFve.txt`.
    private static func decodeExtendedValue(_ value: String) -> String? {
        let pieces = value.split(separator: "'", maxSplits: 2, omittingEmptySubsequences: false)
        guard pieces.count == 3, pieces[0].lowercased() == "utf-8" else { return nil }
        var bytes: [UInt8] = []
        var utf8 = pieces[2].utf8.makeIterator()
        while let byte = utf8.next() {
            if byte == UInt8(ascii: "%") {
                guard let high = utf8.next(), let low = utf8.next(),
                      let decoded = UInt8(String(decoding: [high, low], as: UTF8.self), radix: 16) else { return nil }
                bytes.append(decoded)
            } else {
                bytes.append(byte)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }

    /// The index of the first occurrence of `needle` in `haystack` at or after `start`.
    static func find<C: RandomAccessCollection<UInt8>>(_ needle: [UInt8], in haystack: C, from start: C.Index) -> C.Index?
    where C.Index == Int {
        guard let first = needle.first, haystack.endIndex - start >= needle.count else { return nil }
        var index = start
        let last = haystack.endIndex - needle.count
        while index <= last {
            if haystack[index] == first {
                var offset = 1
                while offset < needle.count && haystack[index + offset] == needle[offset] { offset += 1 }
                if offset == needle.count { return index }
            }
            index += 1
        }
        return nil
    }
}
