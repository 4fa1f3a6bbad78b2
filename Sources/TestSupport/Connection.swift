/// Serves one accepted connection: reads requests one after another (keep-alive), records each, asks
/// the handler for a response and writes it, until either side ends the connection.
enum Connection {
    /// Runs on the connection's own thread; closes the socket (through `state.finish`) before returning.
    static func serve(_ socket: Socket, state: ServerState) {
        defer { state.finish(socket) }
        var reader = HTTPRequestReader(socket: socket)
        let writer = ResponseWriter(socket: socket, state: state)
        while !state.isStopped {
            let request: ParsedRequest
            do {
                guard let next = try reader.next() else { return }
                request = next
            } catch .malformed(let reason) {
                let body = Array("malformed request: \(reason)\n".utf8)
                let head = "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\n"
                    + "Content-Length: \(body.count)\r\nConnection: close\r\n\r\n"
                _ = socket.sendAll(Array(head.utf8) + body)
                return
            } catch {
                return
            }
            let recorded = RecordedRequest(
                method: request.method, path: request.target, headers: request.head.lowercasedFields,
                body: request.body)
            state.record(recorded)
            let response = state.handler(recorded)
            guard writer.write(response, to: request) else { return }
        }
    }
}
