import Foundation

/// The mutable state a fake upstream shares with its accept and connection threads.
///
/// Socket ownership: a socket is closed only by the thread serving it, and only after it was removed
/// from `openSockets` under the lock, while `stop()` shuts down (never closes) the sockets still in
/// that set under the same lock. So `stop()` can never touch a descriptor that was closed and reused.
///
/// `@unchecked Sendable`: every stored `var` is read and written only while `condition` is locked,
/// and the `let`s are immutable Sendable values.
final class ServerState: @unchecked Sendable {
    private let condition = NSCondition()
    private var stopped = false
    private var recorded: [RecordedRequest] = []
    private var accepted = 0
    private var openSockets: Set<Socket> = []
    private var connections: Set<Socket> = []
    private var liveThreads = 0
    private var sent = 0

    let handler: @Sendable (RecordedRequest) -> FakeResponse

    init(handler: @escaping @Sendable (RecordedRequest) -> FakeResponse) {
        self.handler = handler
    }

    private func locked<T>(_ body: () throws -> T) rethrows -> T {
        condition.lock()
        defer { condition.unlock() }
        return try body()
    }

    var isStopped: Bool { locked { stopped } }
    var requests: [RecordedRequest] { locked { recorded } }
    var connectionCount: Int { locked { accepted } }
    var openConnectionCount: Int { locked { connections.count } }
    var bytesSent: Int { locked { sent } }

    /// Adds `count` response bytes written to a client.
    func countSent(_ count: Int) {
        locked { sent += count }
    }

    func record(_ request: RecordedRequest) {
        locked { recorded.append(request) }
    }

    /// Registers the listening socket and its accept thread, before the thread starts.
    func registerListener(_ socket: Socket) {
        locked {
            openSockets.insert(socket)
            liveThreads += 1
        }
    }

    /// Registers an accepted connection and the thread about to serve it; false after `stop()`
    /// (the caller then closes the socket itself).
    func registerConnection(_ socket: Socket) -> Bool {
        locked {
            guard !stopped else { return false }
            openSockets.insert(socket)
            connections.insert(socket)
            accepted += 1
            liveThreads += 1
            return true
        }
    }

    /// Called by a serving thread as its last action: forgets and closes its socket, so that once
    /// `stop()` has seen every thread finish, every socket is closed.
    func finish(_ socket: Socket) {
        locked {
            openSockets.remove(socket)
            connections.remove(socket)
            socket.close()  // no SO_LINGER: close does not block
            liveThreads -= 1
            condition.broadcast()
        }
    }

    /// Waits `seconds`, or less when `stop()` is called; false when stopped.
    func sleep(_ seconds: Double) -> Bool {
        let deadline = Date(timeIntervalSinceNow: max(0, seconds))
        return locked {
            while !stopped {
                if !condition.wait(until: deadline) { return true }
            }
            return false
        }
    }

    /// Marks the server stopped, shuts down every open socket so blocked calls return, and waits up
    /// to `timeout` seconds for the serving threads to finish (a handler that never returns cannot be
    /// interrupted; its thread then finishes on its own, holding only this object).
    func stop(timeout: Double) {
        let deadline = Date(timeIntervalSinceNow: timeout)
        locked {
            if !stopped {
                stopped = true
                for socket in openSockets { socket.shutdown() }
                condition.broadcast()
            }
            while liveThreads > 0 {
                if !condition.wait(until: deadline) { break }
            }
        }
    }
}
