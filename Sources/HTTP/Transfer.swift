import Primitives
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// One exchange in flight, as its reader sees it: the head, then the body through a bounded
/// buffer. The event loop fills the buffer; when it holds `bufferLimit` bytes the loop pauses the
/// transfer (libcurl stops reading the socket, so the server's writes back up into TCP and the
/// upstream, not our memory, holds what the reader has not taken). Taking bytes resumes it.
///
/// State shared with the loop lives in `shared`; the loop-only half is in `Transfer+Loop.swift`.
/// Nothing here blocks: cancelling marks the end and asks the loop to drop the connection.
///
/// `@unchecked Sendable` is safe: `shared` is behind a lock, the `let`s are immutable, and the
/// loop-only members (`LoopState`) are touched only on the event loop's thread after the transfer
/// was handed to it (before that, only by the thread that created it).
final class Transfer: @unchecked Sendable {
    /// How a transfer ended, as the reader will learn it once the buffer is drained.
    enum End {
        case finished
        case failed(any Error)
    }

    /// What a waiting reader is resumed with.
    enum Delivery {
        /// Body bytes (everything buffered, or the piece that just arrived).
        case piece(Data)
        /// The reader's piece consumer (see `consume`) returned false.
        case consumed
        /// The body's end.
        case end
    }

    /// A reader's synchronous piece consumer (see `consume`), called on the event loop's thread.
    ///
    /// `@unchecked Sendable` is safe: it is called only by the loop's thread, in `received`, while
    /// its reader is suspended in `consume` and marked `consuming` under the lock; the reader is
    /// resumed only once the call has returned (see `Shared.consuming`).
    struct PieceConsumer: @unchecked Sendable {
        let call: (UnsafeRawBufferPointer) throws -> Bool
    }

    struct Shared {
        var head: HTTPResponseHead?
        var headWaiter: CheckedContinuation<HTTPResponseHead, any Error>?
        var buffer = Data()
        var bodyWaiter: UnsafeContinuation<Delivery, any Error>?
        /// The waiting reader's piece consumer: pieces go to it, not to the reader.
        var consumer: PieceConsumer?
        /// The loop is calling `consumer`: an ending keeps the reader waiting until it returns.
        var consuming = false
        var end: End?
        /// The loop paused the transfer because the buffer was full; the reader's next take resumes it.
        var paused = false
        /// The reader no longer wants the body: the loop reads the rest (briefly, boundedly) and
        /// drops it, so that a connection that ends cleanly is kept for the next request.
        var discarding = false
    }

    let shared = Guarded(Shared())
    let request: HTTPRequest
    let timeouts: Timeouts
    /// Buffered bytes at which the transfer pauses.
    let bufferLimit: Int
    let loop: EventLoop
    /// Owned by the event loop's thread; see the type's note.
    var state: LoopState

    init(_ request: HTTPRequest, timeouts: Timeouts, bufferLimit: Int, loop: EventLoop) throws(HTTPError) {
        self.request = request
        self.timeouts = timeouts
        self.bufferLimit = bufferLimit
        self.loop = loop
        state = try LoopState(request: request)
    }

    deinit {
        state.releaseHandle()
        state.errorBuffer.deallocate()
    }

    // MARK: - The reader's side

    /// Waits for the response head. Cancelling the calling task cancels the transfer.
    func awaitHead() async throws -> HTTPResponseHead {
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let ready = shared.withLock { shared -> Result<HTTPResponseHead, any Error>? in
                    if let head = shared.head { return .success(head) }
                    if let end = shared.end { return .failure(Self.error(of: end)) }
                    shared.headWaiter = continuation
                    return nil
                }
                if let ready { continuation.resume(with: ready) }
            }
        } onCancel: {
            cancel()
        }
    }

    /// The next piece of the body (everything buffered so far), nil at its end. Cancelling the
    /// calling task cancels the transfer.
    func nextChunk() async throws -> Data? {
        try await withTaskCancellationHandler {
            switch try await nextDelivery(consumer: nil) {
            case .piece(let data): data
            case .end: nil
            case .consumed: preconditionFailure("a piece consumer answered a reader without one")
            }
        } onCancel: {
            cancel()
        }
    }

    /// Hands the body to `consume`, piece by piece as it arrives, without resuming the calling
    /// task for each: while the task is suspended here the event loop calls `consume` on its own
    /// thread, right in libcurl's write callback. Returns true as soon as `consume` returns false
    /// (its reader must do something that waits, or needs no more), false at the body's end.
    /// Throws what `consume` throws, the transfer's failure, or `CancellationError`; cancelling
    /// the calling task cancels the transfer.
    ///
    /// `consume` must not block and must not wait for the reader: it holds up every transfer.
    /// Bytes buffered before the call are consumed by the calling task first.
    func consume(_ consume: (UnsafeRawBufferPointer) throws -> Bool) async throws -> Bool {
        try await withoutActuallyEscaping(consume) { escapable in
            let consumer = PieceConsumer(call: escapable)
            return try await withTaskCancellationHandler {
                while true {
                    switch try await nextDelivery(consumer: consumer) {
                    case .piece(let data):
                        if try !data.withUnsafeBytes(consumer.call) { return true }
                    case .consumed: return true
                    case .end: return false
                    }
                }
            } onCancel: {
                cancel()
            }
        }
    }

    /// What is buffered, else the end, else waits for either (with `consumer`, for the consumer to
    /// stop instead of a piece).
    ///
    /// The continuation is unchecked (it is taken once per piece of a stream): it is stored in
    /// `shared.bodyWaiter` under the lock and taken out under the lock by whoever resumes it, so
    /// it is resumed exactly once.
    private func nextDelivery(consumer: PieceConsumer?) async throws -> Delivery {
        try await withUnsafeThrowingContinuation { continuation in
            var resume = false
            let ready = shared.withLock { shared -> Result<Delivery, any Error>? in
                if !shared.buffer.isEmpty {
                    var taken = Data()
                    swap(&taken, &shared.buffer)
                    resume = shared.paused
                    shared.paused = false
                    return .success(.piece(taken))
                }
                if let end = shared.end {
                    if case .finished = end { return .success(.end) }
                    return .failure(Self.error(of: end))
                }
                shared.bodyWaiter = continuation
                shared.consumer = consumer
                return nil
            }
            if resume { loop.post(.resume(self)) }
            if let ready { continuation.resume(with: ready) }
        }
    }

    /// Ends the transfer now: the reader gets `CancellationError`, buffered bytes are dropped and
    /// the loop closes the connection. Never blocks; does nothing once the transfer has ended.
    func cancel() {
        let waiters = shared.withLock { shared -> Waiters? in
            guard shared.end == nil else { return nil }
            shared.buffer = Data()
            return shared.finish(.failed(CancellationError()))
        }
        guard let waiters else { return }
        waiters.resume(CancellationError())
        loop.post(.cancel(self))
    }

    /// The reader wants no more of the body: the loop drains what remains for a moment (so that a
    /// connection whose response is complete can be reused) and then drops the transfer.
    func discard() {
        let started = shared.withLock { shared -> Bool in
            guard shared.end == nil, !shared.discarding else { return false }
            shared.discarding = true
            shared.buffer = Data()
            shared.paused = false
            return true
        }
        if started { loop.post(.discard(self)) }
    }

    // MARK: - Endings, shared with the loop

    /// The continuations waiting when a transfer ends.
    struct Waiters {
        var head: CheckedContinuation<HTTPResponseHead, any Error>?
        var body: UnsafeContinuation<Delivery, any Error>?

        /// Resumes both: the body with its end (nil when `error` is nil), the head with `error` or,
        /// for a transfer that ended without one, a transport error.
        func resume(_ error: (any Error)?) {
            head?.resume(throwing: error ?? HTTPError.transport("the server closed the connection without a response", afterHead: false))
            if let error { body?.resume(throwing: error) } else { body?.resume(returning: .end) }
        }
    }

    private static func error(of end: End) -> any Error {
        switch end {
        case .finished: HTTPError.transport("the server closed the connection without a response", afterHead: false)
        case .failed(let error): error
        }
    }
}

extension Transfer.Shared {
    /// Records the end (the first one wins) and takes the waiters to resume outside the lock. A
    /// waiting body reader only exists while the buffer is empty, so it learns the end at once,
    /// unless the loop is calling its piece consumer: then the loop resumes it with the end once
    /// the call returns (see `Transfer.received`).
    mutating func finish(_ end: Transfer.End) -> Transfer.Waiters {
        if self.end == nil { self.end = end }
        discarding = false
        defer { headWaiter = nil }
        guard !consuming else { return Transfer.Waiters(head: headWaiter, body: nil) }
        defer {
            bodyWaiter = nil
            consumer = nil
        }
        return Transfer.Waiters(head: headWaiter, body: bodyWaiter)
    }
}
