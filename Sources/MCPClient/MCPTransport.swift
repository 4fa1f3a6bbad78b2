import JSONRPC

/// One request as a transport sends it.
struct OutgoingRequest: Sendable {
    let id: Int
    let method: String
    /// The whole JSON-RPC message.
    let message: JSONValue
    /// The tool a `tools/call` names (HTTP's `Mcp-Name` header).
    let name: String?
}

/// How messages reach a server and come back: a process's pipes (`StdioTransport`) or HTTP
/// requests (`HTTPTransport`). Messages the server sends that are not the answer to an exchange
/// (notifications, its own requests) go to the `inbound` closure the transport was made with.
protocol MCPTransport: AnyObject, Sendable {
    /// Sends a request and returns the server's answer to it (a response message: `result` or
    /// `error`). Cancelling the calling task stops waiting at once.
    /// - Throws: `MCPClientError`, `SessionExpired` (HTTP), `CancellationError`.
    func exchange(_ request: OutgoingRequest) async throws -> JSONValue
    /// Sends a notification and returns once it is on its way (HTTP: accepted).
    func notify(_ message: JSONValue) async throws
    /// Sends a notification or a reply, not waiting for it.
    func post(_ message: JSONValue)
    /// Whether an abandoned request is announced with `notifications/cancelled`: not for the
    /// modern revision over HTTP, which has no client-to-server notifications (closing the
    /// request's stream is the signal).
    var announcesCancellation: Bool { get }
    /// The revision agreed on, for the transports that state it per message (HTTP headers).
    func adopt(_ era: Era)
    /// Stops: the process group is ended, requests waiting fail.
    func close()
}

/// An HTTP server no longer knows the session (404 to a request carrying `Mcp-Session-Id`):
/// the client opens a new one and sends the request again, once.
struct SessionExpired: Error {}
