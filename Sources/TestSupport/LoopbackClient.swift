/// An HTTP response as read by `LoopbackClient`.
public struct RawHTTPResponse: Sendable {
    /// The status code, e.g. 200 (or 100 for an interim `100 Continue`).
    public let status: Int
    /// Header fields with lowercased names; repeated fields joined with ", ".
    public let headers: [String: String]
    /// The body with any chunked transfer coding removed.
    public let body: [UInt8]

    /// The body as UTF-8 text (invalid sequences replaced).
    public var text: String { String(decoding: body, as: UTF8.self) }
}

/// A raw TCP connection to 127.0.0.1 for tests that need exact control of the bytes on the wire
/// (several requests on one connection, `Expect: 100-continue`, hand-made chunked bodies).
///
/// Not thread-safe: use one from a single task. Every read waits at most `timeout` seconds.
public final class LoopbackClient {
    private let socket: Socket
    private var reader: HTTPMessageReader
    private var closed = false
    /// Seconds each read may wait.
    public var timeout: Double

    /// Connects to 127.0.0.1:`port`.
    public init(port: Int, timeout: Double = 5) throws(SocketError) {
        socket = try Socket.connectToLoopback(port: port)
        reader = HTTPMessageReader(socket: socket)
        self.timeout = timeout
    }

    deinit { close() }

    /// Writes `bytes`; throws when the server has gone away.
    public func send(_ bytes: [UInt8]) throws(SocketError) {
        guard !closed, socket.sendAll(bytes) else { throw SocketError("send") }
    }

    /// Writes `text` as UTF-8.
    public func send(_ text: String) throws(SocketError) {
        try send(Array(text.utf8))
    }

    /// Reads one response: status line, headers, and a body framed by Content-Length, chunked coding,
    /// or the end of the connection. An interim `100 Continue` is returned as a response of its own.
    public func readResponse() throws(HTTPReadError) -> RawHTTPResponse {
        reader.deadline = monotonicSeconds() + timeout
        let head = try reader.readHead()
        let parts = head.startLine.split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), let status = Int(parts[1]) else {
            throw .malformed("invalid status line '\(head.startLine)'")
        }
        let body: [UInt8]
        if (100..<200).contains(status) || status == 204 || status == 304 {
            body = []
        } else if head.has("Transfer-Encoding", token: "chunked") {
            body = try reader.readChunkedBody()
        } else if let length = head.value("Content-Length") {
            guard let count = Int(length), count >= 0 else { throw .malformed("invalid Content-Length") }
            body = try reader.readBytes(count)
        } else {
            body = try reader.readToEnd()
        }
        return RawHTTPResponse(status: status, headers: head.lowercasedFields, body: body)
    }

    /// Waits until the server closes the connection, discarding anything it sends; false when it is
    /// still open after `seconds`.
    public func waitForClose(seconds: Double) -> Bool {
        reader.deadline = monotonicSeconds() + seconds
        do {
            _ = try reader.readToEnd()
            return true
        } catch {
            return false
        }
    }

    /// Closes the connection. Idempotent.
    public func close() {
        guard !closed else { return }
        closed = true
        socket.close()
    }
}
