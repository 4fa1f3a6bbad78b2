/// One HTTP request as read from the wire, body already decoded.
struct ParsedRequest: Sendable {
    var method: String
    /// The request target as sent: path plus query.
    var target: String
    var version: String
    var head: HTTPHead
    var body: [UInt8]

    /// Whether the client asked for the connection to end after this exchange.
    var wantsClose: Bool {
        if head.has("Connection", token: "close") { return true }
        return version == "HTTP/1.0" && !head.has("Connection", token: "keep-alive")
    }
}

/// Reads successive requests from one server-side connection (HTTP/1.1 keep-alive).
///
/// Bodies may be framed by `Content-Length` or `Transfer-Encoding: chunked`; a request with
/// `Expect: 100-continue` is answered with an interim `100 Continue` before its body is read.
struct HTTPRequestReader {
    private var reader: HTTPMessageReader

    init(socket: Socket) {
        reader = HTTPMessageReader(socket: socket)
    }

    /// The next request; nil when the client closed the connection cleanly between requests.
    mutating func next() throws(HTTPReadError) -> ParsedRequest? {
        guard try reader.waitForMessage() else { return nil }
        let head = try reader.readHead()
        let parts = head.startLine.split(separator: " ", omittingEmptySubsequences: true)
        guard parts.count == 3, parts[2].hasPrefix("HTTP/1.") else {
            throw .malformed("invalid request line '\(head.startLine)'")
        }
        var request = ParsedRequest(
            method: String(parts[0]), target: String(parts[1]), version: String(parts[2]), head: head, body: [])

        let framing = try bodyFraming(of: head)
        let expectsBody: Bool
        switch framing {
        case .chunked: expectsBody = true
        case .length(let count): expectsBody = count > 0
        }
        if expectsBody, request.version != "HTTP/1.0",
           head.value("Expect")?.lowercased() == "100-continue" {
            guard reader.socket.sendAll(Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)) else {
                throw .connectionClosed
            }
        }
        switch framing {
        case .chunked: request.body = try reader.readChunkedBody()
        case .length(let count): request.body = try reader.readBytes(count)
        }
        return request
    }

    private enum BodyFraming { case chunked, length(Int) }

    private func bodyFraming(of head: HTTPHead) throws(HTTPReadError) -> BodyFraming {
        if let codings = head.value("Transfer-Encoding") {
            let last = codings.split(separator: ",").last.map { $0.trimmingHTTPWhitespace().lowercased() }
            guard last == "chunked" else { throw .malformed("unsupported Transfer-Encoding '\(codings)'") }
            return .chunked
        }
        guard let lengthText = head.value("Content-Length") else { return .length(0) }
        // Repeated identical values ("5, 5") are allowed; differing ones are not.
        let values = Set(lengthText.split(separator: ",").map { $0.trimmingHTTPWhitespace() })
        guard values.count == 1, let count = Int(values.first!), count >= 0 else {
            throw .malformed("invalid Content-Length '\(lengthText)'")
        }
        return .length(count)
    }
}
