import Foundation
public import JSONRPC
#if canImport(Glibc)
import Glibc
#endif

/// The single writer of protocol output.
///
/// Callers hand over whole messages; each is framed and appended to a pending buffer under one
/// lock, so two messages never interleave, and one request's messages keep the order it sent
/// them in. A dedicated thread writes the pending bytes with blocking `write(2)` calls, several
/// messages per call when they queue up, so a slow client does not block a request handler or the
/// stdin reader — until more than `maxPendingBytes` wait unwritten: then senders wait for the
/// client to catch up, which bounds memory when a client stops reading. When the client has gone
/// (EPIPE), further output is dropped.
public final class OutputWriter: Sendable {
    private struct State {
        var framing: Framing?
        var pending: [UInt8] = []
        var writing = false
        var closed = false
        var broken = false
        /// The writer thread is asleep waiting for output: only then does a send need to wake it,
        /// which keeps a busy stream from paying a futex wake-up per message.
        var writerIdle = false
        /// Senders no longer wait for the client (the daemon is stopping).
        var unbounded = false
    }

    private let fd: Int32
    private let maxPendingBytes: Int
    private let condition = NSCondition()
    /// Guarded by `condition`; see `withState`.
    private nonisolated(unsafe) var state = State()

    /// - Parameters:
    ///   - fd: where protocol bytes go (the duplicated stdout).
    ///   - framing: a forced framing; nil adopts the framing of the first message received.
    ///   - maxPendingBytes: how much unwritten output may queue before senders wait. 8 MiB keeps
    ///     a fast stream's writes large while bounding what a client that stops reading costs
    ///     (with the HTTP engine's per-response buffer, that is all the daemon holds for it).
    public init(fd: Int32, framing: Framing? = nil, maxPendingBytes: Int = 8 * 1024 * 1024) {
        self.fd = fd
        self.maxPendingBytes = maxPendingBytes
        state.framing = framing
        let thread = Thread { [self] in runLoop() }
        thread.name = "switchboard.writer"
        thread.start()
    }

    private func withState<T>(_ body: (inout State) -> T) -> T {
        condition.lock()
        defer { condition.unlock() }
        return body(&state)
    }

    /// Fixes the output framing from the first message received, unless one is set already.
    public func adoptFraming(_ framing: Framing) {
        withState { if $0.framing == nil { $0.framing = framing } }
    }

    /// The framing in force (NDJSON until a message says otherwise).
    public var framing: Framing { withState { $0.framing ?? .ndjson } }

    /// Queues one message for writing; waits while too much output is already queued.
    public func send(_ message: JSONValue) {
        let payload = message.serialized()
        condition.lock()
        while state.pending.count > maxPendingBytes && !state.closed && !state.broken && !state.unbounded {
            condition.wait()
        }
        if !state.closed && !state.broken {
            (state.framing ?? .ndjson).frame(payload, into: &state.pending)
            if state.writerIdle { condition.broadcast() }
        }
        condition.unlock()
    }

    /// Releases every sender waiting for the client, and lets later ones queue without waiting:
    /// for a daemon that is stopping, whose requests must each queue their last answer even when
    /// the client reads nothing. (What remains unwritten is bounded by the drain before exit.)
    public func stopWaiting() {
        withState {
            $0.unbounded = true
            condition.broadcast()
        }
    }

    /// Blocks until everything queued so far has been written, the client has gone, or
    /// `timeout` seconds have passed (a client that stops reading cannot hold the daemon forever).
    /// Returns true when everything was written.
    @discardableResult
    public func drain(timeout: Double = .infinity) -> Bool {
        let deadline = Date(timeIntervalSinceNow: min(timeout, 1e9))
        condition.lock()
        defer { condition.unlock() }
        while (!state.pending.isEmpty || state.writing) && !state.broken {
            if !condition.wait(until: deadline) { return false }
        }
        return !state.broken
    }

    /// Drains (for at most `timeout` seconds), then stops the writer thread; later messages are dropped.
    public func close(timeout: Double = .infinity) {
        drain(timeout: timeout)
        withState {
            $0.closed = true
            condition.broadcast()
        }
    }

    /// True once a write failed because the client stopped reading.
    public var isBroken: Bool { withState { $0.broken } }

    private func runLoop() {
        condition.lock()
        while true {
            while state.pending.isEmpty && !state.closed {
                state.writerIdle = true
                condition.wait()
                state.writerIdle = false
            }
            if state.pending.isEmpty && state.closed { break }
            var chunk: [UInt8] = []
            swap(&chunk, &state.pending)
            state.writing = true
            condition.unlock()
            let ok = writeAll(chunk)
            condition.lock()
            state.writing = false
            if !ok {
                state.broken = true
                state.pending = []
            }
            condition.broadcast()
        }
        condition.unlock()
    }

    private func writeAll(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let written = write(fd, raw.baseAddress! + offset, raw.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    return false
                }
                offset += written
            }
            return true
        }
    }
}
