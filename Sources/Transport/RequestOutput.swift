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

    /// Queues a JSON-RPC notification whose params are encoded already: the message is framed
    /// around them, byte for byte what `notify(_:_:)` would send.
    public func notify(_ method: String, encodedParams: [UInt8]) {
        var message: [UInt8] = []
        message.reserveCapacity(encodedParams.count + method.utf8.count + 40)
        message.append(contentsOf: #"{"jsonrpc":"2.0","method":"#.utf8)
        JSONValue.string(method).write(into: &message)
        message.append(contentsOf: #","params":"#.utf8)
        message.append(contentsOf: encodedParams)
        message.append(UInt8(ascii: "}"))
        writer.send(encoded: message, account: account)
    }

    public func waitForRoom() async throws {
        try await writer.waitForRoom(account)
    }

    public var hasRoom: Bool { writer.hasRoom(account) }

    public func batched<T>(_ body: () throws -> T) rethrows -> T {
        try writer.batched(body)
    }
}
