import Glibc

/// Why an HTTP message could not be read.
public enum HTTPReadError: Error, Sendable, Equatable {
    /// The peer closed (or the socket was shut down) before a complete message arrived.
    case connectionClosed
    /// No byte arrived before the deadline.
    case timedOut
    /// The bytes are not HTTP/1.1.
    case malformed(String)
}

/// The start line and header fields of an HTTP/1.1 message.
struct HTTPHead: Sendable {
    /// The request line or status line, without its CRLF.
    var startLine: String
    /// Header fields in arrival order, names as sent.
    var fields: [(name: String, value: String)]

    /// Header fields with lowercased names; repeated fields are joined with ", ".
    var lowercasedFields: [String: String] {
        var result: [String: String] = [:]
        for field in fields {
            let name = field.name.lowercased()
            if let existing = result[name] {
                result[name] = existing + ", " + field.value
            } else {
                result[name] = field.value
            }
        }
        return result
    }

    /// The value of `name` (case-insensitive), repeated fields joined.
    func value(_ name: String) -> String? { lowercasedFields[name.lowercased()] }

    /// Whether a comma-separated header holds `token` (case-insensitive), e.g. `Connection: close`.
    func has(_ name: String, token: String) -> Bool {
        guard let value = value(name) else { return false }
        return value.split(separator: ",").contains {
            $0.trimmingHTTPWhitespace().lowercased() == token.lowercased()
        }
    }
}

/// Reads HTTP/1.1 messages from a socket through a buffer, so that bytes of the next message on a
/// kept-alive connection are not lost.
///
/// With a deadline every read waits at most until then (client side); without one reads block until
/// data arrives or the socket is shut down (server side).
struct HTTPMessageReader {
    let socket: Socket
    /// Seconds on the monotonic clock after which reads fail with `.timedOut`; nil waits forever.
    var deadline: Double?
    /// The largest head accepted, so a runaway peer cannot grow the buffer forever.
    var maximumHeadBytes = 1 << 20

    private var buffer: [UInt8] = []
    private var position = 0

    init(socket: Socket, deadline: Double? = nil) {
        self.socket = socket
        self.deadline = deadline
    }

    /// Whether bytes already received are waiting to be read.
    var hasBufferedBytes: Bool { position < buffer.count }

    /// Appends the next bytes from the socket to the buffer.
    private mutating func fill() throws(HTTPReadError) {
        if let deadline {
            let remaining = deadline - monotonicSeconds()
            guard remaining > 0, socket.waitReadable(milliseconds: Int32(min(remaining * 1000 + 1, 3_600_000))) else {
                throw .timedOut
            }
        }
        guard let bytes = socket.receive(), !bytes.isEmpty else { throw .connectionClosed }
        if position > 0 && position == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            position = 0
        } else if position > 1 << 20 {
            buffer.removeFirst(position)
            position = 0
        }
        buffer.append(contentsOf: bytes)
    }

    /// Waits for the first byte of a message. False when the peer closed cleanly before sending one.
    mutating func waitForMessage() throws(HTTPReadError) -> Bool {
        if hasBufferedBytes { return true }
        do {
            try fill()
            return true
        } catch .connectionClosed {
            return false
        }
    }

    /// Reads one CRLF-terminated line (a bare LF is accepted too), without the terminator.
    mutating func readLine(limit: Int) throws(HTTPReadError) -> String {
        // Offset from `position`: `fill()` may move the buffer's contents, never the unread ones' order.
        var scanned = 0
        while true {
            while position + scanned < buffer.count {
                let index = position + scanned
                if buffer[index] == 0x0A {
                    var end = index
                    if end > position && buffer[end - 1] == 0x0D { end -= 1 }
                    let line = String(decoding: buffer[position..<end], as: UTF8.self)
                    position = index + 1
                    return line
                }
                scanned += 1
            }
            if scanned > limit { throw .malformed("line longer than \(limit) bytes") }
            try fill()
        }
    }

    /// Reads a start line and header fields up to the empty line.
    mutating func readHead() throws(HTTPReadError) -> HTTPHead {
        var startLine = try readLine(limit: maximumHeadBytes)
        // RFC 9112 §2.2: ignore empty lines before a request line.
        while startLine.isEmpty { startLine = try readLine(limit: maximumHeadBytes) }
        var fields: [(name: String, value: String)] = []
        var total = startLine.utf8.count
        while true {
            let line = try readLine(limit: maximumHeadBytes)
            if line.isEmpty { break }
            total += line.utf8.count
            if total > maximumHeadBytes { throw .malformed("header section larger than \(maximumHeadBytes) bytes") }
            guard let colon = line.firstIndex(of: ":") else { throw .malformed("header line without ':'") }
            let name = String(line[..<colon])
            guard !name.isEmpty, !name.contains(" ") else { throw .malformed("invalid header name") }
            fields.append((name, line[line.index(after: colon)...].trimmingHTTPWhitespace()))
        }
        return HTTPHead(startLine: startLine, fields: fields)
    }

    /// Reads exactly `count` bytes.
    mutating func readBytes(_ count: Int) throws(HTTPReadError) -> [UInt8] {
        while buffer.count - position < count { try fill() }
        let bytes = Array(buffer[position..<(position + count)])
        position += count
        return bytes
    }

    /// Reads a `Transfer-Encoding: chunked` body and its trailer section, returning the decoded bytes.
    mutating func readChunkedBody() throws(HTTPReadError) -> [UInt8] {
        var body: [UInt8] = []
        while true {
            let line = try readLine(limit: 4096)
            let sizeText = line.split(separator: ";", maxSplits: 1).first.map { $0.trimmingHTTPWhitespace() } ?? ""
            guard let size = Int(sizeText, radix: 16), size >= 0 else {
                throw .malformed("invalid chunk size '\(line)'")
            }
            if size == 0 {
                while try !readLine(limit: maximumHeadBytes).isEmpty {}
                return body
            }
            body.append(contentsOf: try readBytes(size))
            guard try readLine(limit: 2).isEmpty else { throw .malformed("chunk not followed by CRLF") }
        }
    }

    /// Reads until the peer closes the connection (a body delimited by the end of the connection).
    mutating func readToEnd() throws(HTTPReadError) -> [UInt8] {
        while true {
            do {
                try fill()
            } catch .connectionClosed {
                let rest = Array(buffer[position...])
                position = buffer.count
                return rest
            }
        }
    }
}

/// Seconds on a clock that never jumps, for deadlines.
func monotonicSeconds() -> Double {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
}

extension StringProtocol {
    /// The text without leading and trailing spaces and tabs (HTTP optional whitespace).
    func trimmingHTTPWhitespace() -> String {
        var slice = Substring(self)
        while let first = slice.first, first == " " || first == "\t" { slice.removeFirst() }
        while let last = slice.last, last == " " || last == "\t" { slice.removeLast() }
        return String(slice)
    }
}
