/// Reads a response head one header line at a time, as libcurl's header callback hands them over:
/// the status line, fields, then the blank line. Interim `1xx` heads (`100 Continue`) are skipped;
/// a line folded onto the previous one (obsolete, but legal) continues its value.
struct HeadParser {
    /// The largest head accepted, all lines together.
    static let maxBytes = 256 * 1024

    enum Outcome: Equatable {
        /// More lines are needed.
        case needMore
        /// The final head is complete.
        case complete(HTTPResponseHead)
        /// The head is larger than `maxBytes`.
        case tooLarge
    }

    private var status: Int?
    private var fields: [(name: String, value: String)] = []
    private var bytes = 0
    private(set) var isComplete = false

    /// Takes one line (with or without its CR LF). Lines after the final head (trailers) are ignored.
    mutating func consume(_ line: some Collection<UInt8>) -> Outcome {
        guard !isComplete else { return .needMore }
        bytes += line.count
        guard bytes <= Self.maxBytes else { return .tooLarge }
        var text = String(decoding: line, as: UTF8.self)
        while let last = text.last, last == "\n" || last == "\r" || last == "\r\n" { text.removeLast() }
        if text.hasPrefix("HTTP/") {
            let parts = text.split(separator: " ", maxSplits: 2)
            status = parts.count >= 2 ? Int(parts[1]) : nil
            fields = []
            return .needMore
        }
        if text.isEmpty {
            guard let status else { return .needMore }
            if (100..<200).contains(status) && status != 101 {
                self.status = nil
                fields = []
                return .needMore
            }
            isComplete = true
            return .complete(head(status))
        }
        if let first = text.first, first == " " || first == "\t", !fields.isEmpty {
            fields[fields.count - 1].value += " " + text.trimmed
        } else if let colon = text.firstIndex(of: ":") {
            fields.append((String(text[..<colon]).trimmed.lowercased(), String(text[text.index(after: colon)...]).trimmed))
        }
        return .needMore
    }

    private func head(_ status: Int) -> HTTPResponseHead {
        var headers: [String: String] = [:]
        for (name, value) in fields {
            if let existing = headers[name] { headers[name] = existing + ", " + value } else { headers[name] = value }
        }
        return HTTPResponseHead(status: status, headers: headers)
    }
}
