import Primitives
public import JSONRPC

/// The single writer of protocol output.
///
/// Callers hand over whole messages; each is framed and appended to a pending buffer under one
/// lock, so two messages never interleave, and one request's messages keep the order it sent
/// them in. `send` never waits: a dedicated thread (`sb-stdout`) writes the pending bytes with
/// blocking `write(2)` calls, several messages per call when they queue up.
///
/// **Flow control suspends, it never blocks.** A request that produces output as an upstream
/// sends it (a stream) has an `OutputAccount`; before it takes the next piece from the upstream
/// it checks `hasRoom`, and when there is none it awaits `waitForRoom`, which suspends the task
/// (no thread waits) until the request's unwritten output, and everyone's, has fallen below the
/// low marks of `OutputLimits`. The upstream's transfer then stays paused, so
/// its TCP window, not our memory, holds what the client has not read. One request's unread
/// output never delays another's reading from stdin, its dispatch or its upstream request.
/// Answers (results and errors) are queued whatever the marks say: they are already in memory.
/// When the client has gone (EPIPE), further output is dropped and waiting producers go on.
///
/// When messages come one at a time (the previous one more than a millisecond ago) and nothing is
/// queued or being written, a small message is written by its sender at once instead, with a
/// write that never waits (`FileIO.writeWithoutWaiting`): a stream trickling in at model speed
/// then costs one `write(2)` per delta and no wake-up of the writer thread. What that write could
/// not take (the client's end is full) goes back to the front of the queue for the writer thread.
/// Where a descriptor cannot be written without waiting (a terminal), `poll` is asked first. A
/// sender with several messages at once (a piece of a stream holding many events) sends them
/// inside `batched`: they go out together when it ends.
public final class OutputWriter: Sendable {
    /// A producer suspended in `waitForRoom`. Guarded by the writer's lock.
    private final class RoomTicket: @unchecked Sendable {
        let account: Int
        var continuation: CheckedContinuation<Void, Never>?
        var cancelled = false
        init(account: Int) { self.account = account }
    }

    private struct State {
        var framing: Framing?
        var pending: [UInt8] = []
        var ledger = FlowLedger()
        var writing = false
        var closed = false
        var broken = false
        /// The writer thread is asleep waiting for output: only then does a send need to wake it,
        /// which keeps a busy stream from paying a futex wake-up per message.
        var writerIdle = false
        /// Producers no longer wait for the client (the daemon is stopping).
        var unbounded = false
        /// Threads in `drain`, waiting for everything to be written.
        var drainers = 0
        /// Threads in `waitWhileOverloaded` (the stdin reader).
        var overloadWaiters = 0
        /// When the previous message was handed over.
        var lastSend = ContinuousClock.now
        /// Senders inside `batched`: while any is, small amounts of output wait for its end.
        var batches = 0
        /// Whether the descriptor takes writes that never wait; false once it refused one (then a
        /// direct write asks `poll` first).
        var writesWithoutWaiting = true
        var roomWaiters: [RoomTicket] = []
        var nextAccount = 0
    }

    private let fd: Int32
    private let limits: OutputLimits
    private let redact: (@Sendable (inout [UInt8]) -> Void)?
    /// The most output its sender writes itself (`PIPE_BUF`: a pipe takes that much whole or not
    /// at all); more is left to the writer thread, so that a burst is written while the sender goes on.
    private static let maxDirectBytes = 4096
    /// Output a batch may hold back from the writer thread; more is written while the batch goes on.
    private static let maxBatchedBytes = 256 * 1024
    /// A message that follows the previous one sooner than this is part of a burst: it queues.
    private static let burstGap = Duration.milliseconds(1)
    private let condition = Condition()
    /// Run once, when the client's end is first found closed (see `whenBroken`).
    private let brokenActions = Locked<[@Sendable () -> Void]>([])
    /// Guarded by `condition`; see `withState`.
    private nonisolated(unsafe) var state = State()

    /// - Parameters:
    ///   - fd: where protocol bytes go (the duplicated stdout).
    ///   - framing: a forced framing; nil adopts the framing of the first message received.
    ///   - limits: the flow-control marks (see `OutputLimits.standard`).
    ///   - redact: applied to every serialized message before it is queued (the daemon removes
    ///     its secrets there, so that no result can carry one to the client).
    public init(fd: Int32, framing: Framing? = nil, limits: OutputLimits = .standard,
                redact: (@Sendable (inout [UInt8]) -> Void)? = nil) {
        self.fd = fd
        self.limits = limits
        self.redact = redact
        state.framing = framing
        DetachedThread.start(name: "sb-stdout") { [self] in runLoop() }
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

    /// A new account for one request's output (see `waitForRoom`).
    public func openAccount() -> OutputAccount {
        OutputAccount(id: withState { state in
            state.nextAccount += 1
            return state.nextAccount
        })
    }

    /// Queues one message for writing, counted against `account` when given. Never waits.
    public func send(_ message: JSONValue, account: OutputAccount? = nil) {
        send(encoded: message.serialized(), account: account)
    }

    /// Queues one message already encoded as compact JSON (as `JSONValue.serialized` encodes it),
    /// counted against `account` when given. Never waits.
    public func send(encoded message: [UInt8], account: OutputAccount? = nil) {
        var payload = message
        redact?(&payload)
        condition.lock()
        defer { condition.unlock() }
        guard !state.closed && !state.broken else { return }
        let now = ContinuousClock.now
        let alone = now - state.lastSend > Self.burstGap
        state.lastSend = now
        let wasEmpty = state.pending.isEmpty
        let before = state.pending.count
        let framing = state.framing ?? .ndjson
        framing.frame(payload, into: &state.pending)
        let size = state.pending.count - before
        state.ledger.enqueue(size, account: account?.id)
        if state.batches > 0 && state.pending.count <= Self.maxBatchedBytes { return }
        if state.batches == 0 && alone && wasEmpty {
            flushDirectly()
        } else if state.writerIdle {
            condition.broadcast()
        }
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

    /// Returns once `account` may produce more: at once while the client keeps up; otherwise
    /// the calling task is suspended (no thread waits) until the account's unwritten output and
    /// the total have fallen below their low marks, the client has gone or the daemon is stopping.
    /// - Throws: `CancellationError` when the task is cancelled, at once, while it waits.
    public func waitForRoom(_ account: OutputAccount) async throws {
        if withState({ hasRoom($0, account: account.id, waited: false) }) { return }
        let ticket = RoomTicket(account: account.id)
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let ready = withState { state -> Bool in
                    guard !ticket.cancelled, !hasRoom(state, account: ticket.account, waited: true) else { return true }
                    ticket.continuation = continuation
                    state.roomWaiters.append(ticket)
                    if state.writerIdle && !state.pending.isEmpty { condition.broadcast() }
                    return false
                }
                if ready { continuation.resume() }
            }
        } onCancel: {
            let continuation = withState { state -> CheckedContinuation<Void, Never>? in
                ticket.cancelled = true
                state.roomWaiters.removeAll { $0 === ticket }
                defer { ticket.continuation = nil }
                return ticket.continuation
            }
            continuation?.resume()
        }
        try Task.checkCancellation()
    }

    /// Bytes queued and not yet written.
    public var queuedBytes: Int { withState { $0.ledger.queued } }

    /// Unwritten bytes of `account`.
    public func queuedBytes(of account: OutputAccount) -> Int { withState { $0.ledger.balance(of: account.id) } }

    /// Blocks the calling thread while more than `OutputLimits.readerPause` bytes wait unwritten
    /// (see there); the stdin reader calls it between messages.
    public func waitWhileOverloaded() {
        condition.lock()
        defer { condition.unlock() }
        while state.ledger.queued > limits.readerPause && !state.closed && !state.broken && !state.unbounded {
            state.overloadWaiters += 1
            if state.writerIdle { condition.broadcast() }
            condition.wait()
            state.overloadWaiters -= 1
        }
    }

    /// Whether `account` may produce more now: `waitForRoom` would return at once.
    public func hasRoom(_ account: OutputAccount) -> Bool {
        withState { hasRoom($0, account: account.id, waited: false) }
    }

    private func hasRoom(_ state: State, account: Int, waited: Bool) -> Bool {
        state.unbounded || state.broken || state.closed || state.ledger.hasRoom(for: account, waited: waited, limits: limits)
    }

    /// With the lock held: resumes the producers that now have room.
    private func resumeProducers() {
        guard !state.roomWaiters.isEmpty else { return }
        var waiting: [RoomTicket] = []
        for ticket in state.roomWaiters {
            if hasRoom(state, account: ticket.account, waited: true), let continuation = ticket.continuation {
                ticket.continuation = nil
                continuation.resume()
            } else {
                waiting.append(ticket)
            }
        }
        state.roomWaiters = waiting
    }

    /// With the lock held and output pending: writes it from the calling thread when that cannot
    /// block (nothing being written, little enough, and the client's end takes it at once), else
    /// wakes the writer thread.
    private func flushDirectly() {
        guard !state.writing, state.pending.count <= Self.maxDirectBytes else {
            if state.writerIdle { condition.broadcast() }
            return
        }
        var chunk: [UInt8] = []
        swap(&chunk, &state.pending)
        state.writing = true
        let withoutWaiting = state.writesWithoutWaiting
        condition.unlock()
        let attempt = withoutWaiting ? chunk.withUnsafeBytes { FileIO.writeWithoutWaiting(fd, $0) } : .unsupported
        var outcome = attempt
        if attempt == .unsupported {
            outcome = !canWriteWithoutBlocking() ? .wouldBlock : writeAll(chunk) ? .wrote(chunk.count) : .failed
        }
        condition.lock()
        state.writing = false
        if attempt == .unsupported { state.writesWithoutWaiting = false }
        let unwritten: ArraySlice<UInt8>
        switch outcome {
        case .wrote(let size):
            state.ledger.wrote(size)
            unwritten = chunk[size...]
        case .wouldBlock, .unsupported:
            unwritten = chunk[...]
        case .failed:
            return recordBrokenPipe()
        }
        // What the client's end did not take goes before what was queued meanwhile.
        if !unwritten.isEmpty { state.pending.insert(contentsOf: unwritten, at: 0) }
        resumeProducers()
        // Nobody waits on a direct write unless output is left or someone waits: waking the
        // writer thread for nothing would cost what writing directly saves.
        if !state.pending.isEmpty || state.drainers > 0 || state.overloadWaiters > 0 { condition.broadcast() }
    }

    /// With the lock held: takes everything pending and writes it with the lock released (the
    /// writer thread), then records the outcome and wakes the waiters.
    private func writePending() {
        var chunk: [UInt8] = []
        swap(&chunk, &state.pending)
        state.writing = true
        condition.unlock()
        let ok = writeAll(chunk)
        condition.lock()
        state.writing = false
        guard ok else { return recordBrokenPipe() }
        state.ledger.wrote(chunk.count)
        resumeProducers()
        condition.broadcast()
    }

    /// With the lock held: a write failed (the client has gone): later output is dropped, and
    /// every waiter goes on.
    private func recordBrokenPipe() {
        state.broken = true
        state.pending = []
        state.ledger.dropAll()
        resumeProducers()
        condition.broadcast()
        let actions = brokenActions.withLock { actions in
            defer { actions = [] }
            return actions
        }
        if !actions.isEmpty {
            condition.unlock()
            actions.forEach { $0() }
            condition.lock()
        }
    }

    /// Whether the client's end has room for a small write now (for a pipe: at least `PIPE_BUF`).
    private func canWriteWithoutBlocking() -> Bool {
        var entry = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
        return poll(&entry, 1, 0) == 1 && entry.revents & Int16(POLLOUT) != 0
    }

    /// Runs `action` once the client's end is found closed (a write failed): nothing written
    /// after that reaches anyone, so the front ends cancel the work in flight. Runs at once when
    /// the writer is broken already.
    public func whenBroken(_ action: @escaping @Sendable () -> Void) {
        let runNow = withState { state in
            if !state.broken { brokenActions.withLock { $0.append(action) } }
            return state.broken
        }
        if runNow { action() }
    }

    /// Releases every producer waiting for the client, and lets later ones go on without waiting:
    /// for a daemon that is stopping, whose requests must each reach their end even when the
    /// client reads nothing. (What remains unwritten is bounded by the drain before exit.)
    public func stopWaiting() {
        condition.lock()
        defer { condition.unlock() }
        state.unbounded = true
        resumeProducers()
        condition.broadcast()
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
        condition.lock()
        defer { condition.unlock() }
        state.closed = true
        resumeProducers()
        condition.broadcast()
    }

    /// True once a write failed because the client stopped reading.
    public var isBroken: Bool { withState { $0.broken } }

    private func runLoop() {
        condition.lock()
        while true {
            // A sender writing its message directly goes first: what queued meanwhile follows it.
            // A batch's output waits for its end, unless there is much of it or someone waits.
            while (state.pending.isEmpty && !state.closed) || state.writing || isHeldByBatch {
                state.writerIdle = true
                condition.wait()
                state.writerIdle = false
            }
            if state.pending.isEmpty && state.closed { break }
            writePending()
        }
        condition.unlock()
    }

    /// With the lock held: whether the pending output is left for an open batch to send.
    private var isHeldByBatch: Bool {
        state.batches > 0 && state.pending.count <= Self.maxBatchedBytes && state.roomWaiters.isEmpty
            && state.drainers == 0 && state.overloadWaiters == 0 && !state.closed
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

/// One request's share of the output queue, for flow control: see `OutputWriter.waitForRoom`.
public struct OutputAccount: Sendable, Hashable {
    let id: Int
}
