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

    struct Shared {
        var head: HTTPResponseHead?
        var headWaiter: CheckedContinuation<HTTPResponseHead, any Error>?
        var buffer = Data()
        var bodyWaiter: UnsafeContinuation<Data?, any Error>?
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
    ///
    /// The continuation is unchecked (it is taken once per piece of a stream): it is stored in
    /// `shared.bodyWaiter` under the lock and taken out under the lock by whoever resumes it, so
    /// it is resumed exactly once.
    func nextChunk() async throws -> Data? {
        try await withTaskCancellationHandler {
            try await withUnsafeThrowingContinuation { continuation in
                var resume = false
                let ready = shared.withLock { shared -> Result<Data?, any Error>? in
                    if !shared.buffer.isEmpty {
                        var taken = Data()
                        swap(&taken, &shared.buffer)
                        resume = shared.paused
                        shared.paused = false
                        return .success(taken)
                    }
                    if let end = shared.end {
                        if case .finished = end { return .success(nil) }
                        return .failure(Self.error(of: end))
                    }
                    shared.bodyWaiter = continuation
                    return nil
                }
                if resume { loop.post(.resume(self)) }
                if let ready { continuation.resume(with: ready) }
            }
        } onCancel: {
            cancel()
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
        var body: UnsafeContinuation<Data?, any Error>?

        /// Resumes both: the body with its end (nil when `error` is nil), the head with `error` or,
        /// for a transfer that ended without one, a transport error.
        func resume(_ error: (any Error)?) {
            head?.resume(throwing: error ?? HTTPError.transport("the server closed the connection without a response", afterHead: false))
            if let error { body?.resume(throwing: error) } else { body?.resume(returning: nil) }
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
    /// waiting body reader only exists while the buffer is empty, so it learns the end at once.
    mutating func finish(_ end: Transfer.End) -> Transfer.Waiters {
        if self.end == nil { self.end = end }
        discarding = false
        defer {
            headWaiter = nil
            bodyWaiter = nil
        }
        return Transfer.Waiters(head: headWaiter, body: bodyWaiter)
    }
}
