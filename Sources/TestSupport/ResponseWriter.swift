/// Writes a `FakeResponse` to a connection, running its steps.
struct ResponseWriter {
    let socket: Socket
    let state: ServerState

    /// Writes `response` to a request. Returns whether the connection may carry another request.
    func write(_ response: FakeResponse, to request: ParsedRequest) -> Bool {
        let isHead = request.method == "HEAD"
        let hasBody = !(100..<200).contains(response.status) && response.status != 204 && response.status != 304
        let endsByClosing = response.steps.contains {
            switch $0 {
            case .close, .stall, .repeatForever: true
            case .send, .sleep: false
            }
        }
        func userSet(_ name: String) -> Bool {
            response.headers.contains { $0.0.lowercased() == name.lowercased() }
        }

        let responseSaysClose = response.headers.contains {
            $0.0.lowercased() == "connection" && $0.1.lowercased().contains("close")
        }
        var keepAlive = !request.wantsClose && !responseSaysClose
        var headers = response.headers
        if hasBody {
            if !userSet("Content-Type") { headers.append(("Content-Type", "application/octet-stream")) }
            if response.chunked {
                if !userSet("Transfer-Encoding") { headers.append(("Transfer-Encoding", "chunked")) }
            } else if !userSet("Content-Length") {
                if endsByClosing {
                    keepAlive = false
                } else {
                    let length = response.steps.reduce(0) { total, step in
                        if case .send(let bytes) = step { total + bytes.count } else { total }
                    }
                    headers.append(("Content-Length", String(length)))
                }
            }
        }
        if !keepAlive && !userSet("Connection") { headers.append(("Connection", "close")) }

        var head = "HTTP/1.1 \(response.status) \(Self.reasonPhrase(response.status))\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        head += "\r\n"
        // The head goes out with the first `.send` (or after the last step), so a script starting
        // with `.sleep`, `.close` or `.stall` delays, drops or hangs before any response byte.
        var pendingHead: [UInt8]? = Array(head.utf8)

        let writesBody = hasBody && !isHead
        /// Writes the head if it is still pending, then `bytes` (framed as a chunk when chunked).
        func send(_ bytes: [UInt8]) -> Bool {
            var out = pendingHead ?? []
            pendingHead = nil
            if writesBody && !bytes.isEmpty {
                if response.chunked {
                    out += Array("\(String(bytes.count, radix: 16))\r\n".utf8)
                    out += bytes
                    out += [0x0D, 0x0A]
                } else {
                    out += bytes
                }
            }
            guard out.isEmpty || socket.sendAll(out) else { return false }
            state.countSent(out.count)
            return true
        }

        for step in response.steps {
            switch step {
            case .send(let bytes):
                guard send(bytes) else { return false }
            case .sleep(let seconds):
                guard state.sleep(seconds) else { return false }
            case .close:
                socket.shutdown()
                return false
            case .stall:
                waitForPeerToLeave()
                return false
            case .repeatForever(let bytes):
                while !state.isStopped && send(bytes) {}
                return false
            }
        }
        var out = pendingHead ?? []
        if writesBody && response.chunked { out += Array("0\r\n\r\n".utf8) }
        guard out.isEmpty || socket.sendAll(out) else { return false }
        return keepAlive
    }

    /// Blocks until the client closes its end (or the socket is shut down by `stop()`), discarding
    /// anything it sends meanwhile.
    private func waitForPeerToLeave() {
        while !state.isStopped {
            guard socket.waitReadable(milliseconds: 100) else { continue }
            guard let bytes = socket.receive(), !bytes.isEmpty else { return }
        }
    }

    static func reasonPhrase(_ status: Int) -> String {
        switch status {
        case 100: "Continue"
        case 200: "OK"
        case 201: "Created"
        case 202: "Accepted"
        case 204: "No Content"
        case 301: "Moved Permanently"
        case 302: "Found"
        case 304: "Not Modified"
        case 303: "See Other"
        case 307: "Temporary Redirect"
        case 308: "Permanent Redirect"
        case 400: "Bad Request"
        case 401: "Unauthorized"
        case 403: "Forbidden"
        case 404: "Not Found"
        case 405: "Method Not Allowed"
        case 408: "Request Timeout"
        case 409: "Conflict"
        case 413: "Content Too Large"
        case 415: "Unsupported Media Type"
        case 422: "Unprocessable Content"
        case 429: "Too Many Requests"
        case 500: "Internal Server Error"
        case 501: "Not Implemented"
        case 502: "Bad Gateway"
        case 503: "Service Unavailable"
        case 504: "Gateway Timeout"
        case 524: "A Timeout Occurred"
        default: "Status \(status)"
        }
    }
}
