import Foundation
import Glibc

/// A loopback HTTP/1.1 server standing in for the OpenAI-compatible API in tests.
///
/// Every request is recorded (before the handler runs, so tests can inspect requests whose response
/// stalls) and answered with the `FakeResponse` the handler returns. Connections are kept alive
/// between requests unless the client sends `Connection: close` or the response ends by closing.
///
/// ```swift
/// let upstream = try FakeUpstream { request in
///     request.path == "/v1/models" ? .json(["object": "list", "data": []]) : .error(status: 404, message: "no")
/// }
/// defer { upstream.stop() }
/// // point the client at upstream.baseURL
/// ```
public final class FakeUpstream: Sendable {
    /// The TCP port the server listens on (127.0.0.1).
    public let port: Int
    private let state: ServerState

    /// Binds 127.0.0.1 on an ephemeral port and starts serving on background threads: one accepting
    /// connections, one per connection. `handler` is called on a connection's thread.
    public init(handler: @escaping @Sendable (RecordedRequest) -> FakeResponse) throws {
        let (listener, port) = try Socket.listenOnLoopback()
        let state = ServerState(handler: handler)
        self.port = port
        self.state = state
        state.registerListener(listener)
        let thread = Thread { FakeUpstream.acceptLoop(listener, state: state) }
        thread.name = "FakeUpstream accept :\(port)"
        thread.start()
    }

    /// Answers the first request with `responses[0]`, the second with `responses[1]`, and so on; once
    /// they run out, every further request gets the last one (e.g. `[.error(status: 429, ...), ok]`
    /// for a retry test). `responses` must not be empty.
    public convenience init(responses: [FakeResponse]) throws {
        precondition(!responses.isEmpty, "FakeUpstream(responses:) needs at least one response")
        let counter = RequestCounter()
        try self.init { _ in responses[min(counter.take(), responses.count - 1)] }
    }

    deinit { stop() }

    /// The API base URL clients should use: `http://127.0.0.1:<port>/v1`.
    public var baseURL: String { "http://127.0.0.1:\(port)/v1" }

    /// Every request received so far, in arrival order.
    public var requests: [RecordedRequest] { state.requests }

    /// The number of TCP connections accepted so far.
    public var connectionCount: Int { state.connectionCount }

    /// Response bytes (heads and bodies) written to clients so far, over every connection.
    public var bytesSent: Int { state.bytesSent }

    /// The number of accepted TCP connections not yet closed (by either side).
    public var openConnectionCount: Int { state.openConnectionCount }

    /// Waits until at most `count` connections are open; false on timeout.
    public func waitForOpenConnections(atMost count: Int, timeout: Double = 30) -> Bool {
        let deadline = Date(timeIntervalSinceNow: timeout)
        while openConnectionCount > count {
            if Date() > deadline { return false }
            Thread.sleep(forTimeInterval: 0.01)
        }
        return true
    }

    /// Closes the listener and every open connection (responses in progress are cut off, stalls and
    /// sleeps end at once) and waits briefly for the server's threads to finish. Idempotent.
    public func stop() {
        state.stop(timeout: 2)
    }

    /// Blocks until at least `count` requests were received or `timeout` seconds passed; returns
    /// whether they arrived. Useful when a response stalls and the client is still waiting. The
    /// generous default only matters when something is wrong: a sanitized run on two busy cores
    /// once took more than 5 s to send its first request.
    public func waitForRequests(_ count: Int, timeout: Double = 30) -> Bool {
        let deadline = monotonicSeconds() + timeout
        while state.requests.count < count {
            if monotonicSeconds() >= deadline { return false }
            usleep(2_000)
        }
        return true
    }

    /// Like the blocking `waitForRequests(_:timeout:)`, but suspends instead of holding a thread of
    /// the concurrency pool.
    public func waitForRequests(_ count: Int, timeout: Double = 30) async -> Bool {
        let deadline = monotonicSeconds() + timeout
        while state.requests.count < count {
            if monotonicSeconds() >= deadline { return false }
            try? await Task.sleep(nanoseconds: 2_000_000)
        }
        return true
    }

    private static func acceptLoop(_ listener: Socket, state: ServerState) {
        defer { state.finish(listener) }
        while !state.isStopped {
            // Polling with a timeout keeps the loop responsive to stop() even if shutdown() on a
            // listening socket did not wake a blocked accept().
            guard listener.waitReadable(milliseconds: 100) else { continue }
            if state.isStopped { return }
            guard let connection = listener.accept() else {
                usleep(1_000)  // e.g. out of descriptors: do not spin
                continue
            }
            guard state.registerConnection(connection) else {
                connection.close()
                return
            }
            let thread = Thread { Connection.serve(connection, state: state) }
            thread.name = "FakeUpstream connection"
            thread.start()
        }
    }
}
