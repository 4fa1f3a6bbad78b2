public import JSONRPC

/// One request's output on the shared writer: its messages counted against an account of its
/// own, so that it alone waits when the client falls behind on it (see `OutputWriter.waitForRoom`).
public struct RequestOutput: NotificationSink {
    public let writer: OutputWriter
    public let account: OutputAccount

    public init(writer: OutputWriter) {
        self.writer = writer
        account = writer.openAccount()
    }

    /// Queues `message` (any message: the MCP front end sends its own notifications this way).
    public func send(_ message: JSONValue) {
        writer.send(message, account: account)
    }

    /// Queues a JSON-RPC notification.
    public func notify(_ method: String, _ params: JSONValue) {
        send(OutgoingMessage.notification(method, params))
    }

    /// Queues a JSON-RPC notification encoded already (`OutgoingMessage.encodedNotification`).
    public func notify(encodedNotification: [UInt8]) {
        writer.send(encoded: encodedNotification, account: account)
    }

    public func waitForRoom() async throws {
        try await writer.waitForRoom(account)
    }

    public var hasRoom: Bool { writer.hasRoom(account) }

    public func batched<T>(_ body: () throws -> T) rethrows -> T {
        try writer.batched(body)
    }
}
