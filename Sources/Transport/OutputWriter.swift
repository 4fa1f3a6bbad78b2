import Primitives
import FoundationEssentials
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
///
/// When messages come one at a time (the previous one more than a millisecond ago), nothing is
/// queued or being written and the client's pipe has room (`poll` says so), a small message is
/// written by its sender at once instead: a stream trickling in at model speed then costs no
/// wake-up of the writer thread per delta. Messages in quick succession queue as before and go
/// out together, which keeps a fast stream's writes few and large.
///
/// A sender with several messages at once (a piece of a stream holding many events) sends them
/// inside `batched`: they queue without waking anyone and go out together when it ends, written
/// by the sender itself when they are small and the pipe has room, else by the writer thread.
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
        /// Threads in `drain`, waiting for everything to be written.
        var drainers = 0
        /// When the previous message was handed over.
        var lastSend = ContinuousClock.now
        /// Senders inside `batched`: while any is, messages queue and the writer leaves them, unless
        /// a sender waits for room or a drain for the end.
        var batches = 0
        /// Senders waiting for the client to take output.
        var waitingSenders = 0
    }

    private let fd: Int32
    private let maxPendingBytes: Int
    /// Applied to each serialized message before it is framed (the daemon's secrets scrubbed).
    private let redact: @Sendable (inout [UInt8]) -> Void
    /// The largest message written by its sender: a pipe with room for any write takes this much
    /// without blocking (`PIPE_BUF`).
    private static let maxDirectBytes = 4096
    /// A message that follows the previous one sooner than this is part of a burst: it queues.
    private static let burstGap = Duration.milliseconds(1)
    private let condition = Condition()
    /// Guarded by `condition`; see `withState`.
    private nonisolated(unsafe) var state = State()

    /// - Parameters:
    ///   - fd: where protocol bytes go (the duplicated stdout).
    ///   - framing: a forced framing; nil adopts the framing of the first message received.
    ///   - maxPendingBytes: how much unwritten output may queue before senders wait. 8 MiB keeps
    ///     a fast stream's writes large while bounding what a client that stops reading costs
    ///     (with the HTTP engine's per-response buffer, that is all the daemon holds for it).
    ///   - redact: applied to each serialized message before it is framed.
    public init(fd: Int32, framing: Framing? = nil, maxPendingBytes: Int = 8 * 1024 * 1024,
                redact: @escaping @Sendable (inout [UInt8]) -> Void = { _ in }) {
        self.fd = fd
        self.maxPendingBytes = maxPendingBytes
        self.redact = redact
        state.framing = framing
        DetachedThread.start { [self] in runLoop() }
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
        var payload = message.serialized()
        redact(&payload)
        condition.lock()
        while state.pending.count > maxPendingBytes && !state.closed && !state.broken && !state.unbounded {
            // A batch's messages queue without waking the writer: one that must wait wakes it.
            state.waitingSenders += 1
            if state.writerIdle { condition.broadcast() }
            condition.wait()
            state.waitingSenders -= 1
        }
        guard !state.closed && !state.broken else { return condition.unlock() }
        let now = ContinuousClock.now
        let alone = now - state.lastSend > Self.burstGap
        state.lastSend = now
        let framing = state.framing ?? .ndjson
        if state.batches > 0 {
            framing.frame(payload, into: &state.pending)
        } else if alone && state.pending.isEmpty {
            framing.frame(payload, into: &state.pending)
            flushDirectly()
        } else {
            framing.frame(payload, into: &state.pending)
            if state.writerIdle { condition.broadcast() }
        }
        condition.unlock()
    }

    /// Runs `body`, whose messages go out together when it returns (see the type's note).
    public func batched<T>(_ body: () throws -> T) rethrows -> T {
        withState { $0.batches += 1 }
        defer {
            condition.lock()
            state.batches -= 1
            if state.batches == 0 && !state.pending.isEmpty { flushDirectly() }
            condition.unlock()
        }
        return try body()
    }

    /// With the lock held and output pending: writes it from the calling thread when that cannot
    /// block (nothing being written, little enough, the pipe has room), else wakes the writer thread.
    private func flushDirectly() {
        guard !state.writing, state.pending.count <= Self.maxDirectBytes, canWriteWithoutBlocking() else {
            if state.writerIdle { condition.broadcast() }
            return
        }
        writePending { state in
            // Nobody waits on a direct write unless output queued meanwhile or a drain began:
            // waking the writer thread for nothing would cost what writing directly saves.
            !state.pending.isEmpty || state.drainers > 0
        }
    }

    /// With the lock held: takes everything pending and writes it with the lock released, then
    /// records the outcome, waking the waiters when `wake` says so (always after a failure).
    private func writePending(wake: (State) -> Bool = { _ in true }) {
        var chunk: [UInt8] = []
        swap(&chunk, &state.pending)
        state.writing = true
        condition.unlock()
        let ok = writeAll(chunk)
        condition.lock()
        finishWrite(ok: ok, wake: wake(state))
    }

    /// Whether the client's end has room for a small write now (for a pipe: at least `PIPE_BUF`).
    private func canWriteWithoutBlocking() -> Bool {
        var entry = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
        return poll(&entry, 1, 0) == 1 && entry.revents & Int16(POLLOUT) != 0
    }

    /// Called with the lock held after a write by the writer thread or a sender.
    private func finishWrite(ok: Bool, wake: Bool = true) {
        state.writing = false
        if !ok {
            state.broken = true
            state.pending = []
        }
        if wake || !ok { condition.broadcast() }
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
        let deadline = ContinuousClock.now + .seconds(min(timeout, 1e9))
        condition.lock()
        state.drainers += 1
        if state.writerIdle { condition.broadcast() }
        defer {
            state.drainers -= 1
            condition.unlock()
        }
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

    /// Whether so much output waits unwritten (over half of `maxPendingBytes`) that a sender may
    /// soon have to wait for the client: a thread that must not wait hands its output to one that may.
    public var isCongested: Bool { withState { $0.pending.count > maxPendingBytes / 2 } }

    /// True once a write failed because the client stopped reading.
    public var isBroken: Bool { withState { $0.broken } }

    private func runLoop() {
        condition.lock()
        while true {
            // A sender writing its message directly goes first: what queued meanwhile follows it.
            // A batch's messages wait for its end, unless someone waits for them to be written.
            while (state.pending.isEmpty && !state.closed) || state.writing
                || (state.batches > 0 && state.waitingSenders == 0 && state.drainers == 0 && !state.closed) {
                state.writerIdle = true
                condition.wait()
                state.writerIdle = false
            }
            if state.pending.isEmpty && state.closed { break }
            writePending()
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
