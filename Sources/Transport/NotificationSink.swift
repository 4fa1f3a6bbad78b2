public import JSONRPC

/// Where one request's notifications go, with the flow control that keeps a slow client from
/// costing memory: what method code talks to, whichever front end (JSON-RPC, MCP) carries them.
public protocol NotificationSink: Sendable {
    /// Queues a notification, in order with this request's other output. Never waits.
    func notify(_ method: String, _ params: JSONValue)
    /// Queues a notification already encoded (by `OutgoingMessage.encodedNotification`): a
    /// stream's most common delta, sent without a tree.
    func notify(encodedNotification: [UInt8])
    /// Returns once this request may produce more output: at once while the client keeps up,
    /// otherwise after suspending (never blocking a thread) until it has caught up.
    /// - Throws: `CancellationError` when the request is cancelled while it waits.
    func waitForRoom() async throws
    /// Whether `waitForRoom` would return at once: a reader that relays synchronously asks before
    /// it takes more, and waits with `waitForRoom` when there is none.
    var hasRoom: Bool { get }
    /// Runs `body`, whose notifications go out together when it returns.
    func batched<T>(_ body: () throws -> T) rethrows -> T
}

extension NotificationSink {
    /// Decodes the notification and queues it with `notify(_:_:)`: for sinks that look into what
    /// they carry (translating front ends).
    public func notify(encodedNotification: [UInt8]) {
        guard let message = try? JSONParser.parse(encodedNotification), let method = message["method"]?.stringValue,
              let params = message["params"] else {
            assertionFailure("notify(encodedNotification:) given bytes that are not a notification")
            return
        }
        notify(method, params)
    }
}

/// A sink that drops everything: for calls whose notifications nobody wants.
public struct DiscardingSink: NotificationSink {
    public init() {}
    public func notify(_ method: String, _ params: JSONValue) {}
    public func notify(encodedNotification: [UInt8]) {}
    public func waitForRoom() async throws {}
    public var hasRoom: Bool { true }
    public func batched<T>(_ body: () throws -> T) rethrows -> T { try body() }
}
