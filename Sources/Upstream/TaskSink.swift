import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The per-request end of the shared session's delegate: turns callbacks for one URLSession task
/// into the response head (a continuation) and the body (an AsyncThrowingStream), and tracks the
/// activity the timeout watchdog looks at.
///
/// `@unchecked Sendable` is safe: every mutable member is read and written under `lock`.
final class TaskSink: @unchecked Sendable {
    private let lock = NSLock()
    private var head: CheckedContinuation<HTTPURLResponse, any Error>?
    private let continuation: AsyncThrowingStream<Data, any Error>.Continuation
    let stream: AsyncThrowingStream<Data, any Error>
    private var receivedResponse = false
    private var timedOut: (UpstreamError.TimeoutKind, Double)?
    private var finished = false
    /// How the task ended, kept for a head that is awaited only after the end (a request
    /// cancelled before it started).
    private var outcome: (any Error)?
    private var lastActivity: ContinuousClock.Instant

    init() {
        (stream, continuation) = AsyncThrowingStream.makeStream(of: Data.self, throwing: (any Error).self)
        lastActivity = .now
    }

    /// Waits for the response head; resumes at once when the task has already ended.
    func awaitHead(_ continuation: CheckedContinuation<HTTPURLResponse, any Error>) {
        let ended = lock.withLock { () -> (any Error)?? in
            guard finished else {
                head = continuation
                return .none
            }
            return .some(outcome)
        }
        if let ended { continuation.resume(throwing: ended ?? Self.noResponse) }
    }

    private static let noResponse = UpstreamError.badResponse(reason: "the connection closed without a response", upstreamError: nil)

    func onTermination(_ handler: @escaping @Sendable () -> Void) {
        continuation.onTermination = { _ in handler() }
    }

    func receive(response: HTTPURLResponse) {
        let waiting = lock.withLock {
            receivedResponse = true
            lastActivity = .now
            defer { head = nil }
            return head
        }
        waiting?.resume(returning: response)
    }

    func receive(data: Data) {
        lock.withLock { lastActivity = .now }
        continuation.yield(data)
    }

    func complete(error: (any Error)?) {
        let (waiting, mapped) = lock.withLock {
            finished = true
            outcome = error.map { map($0) }
            defer { head = nil }
            return (head, outcome)
        }
        if let waiting { waiting.resume(throwing: mapped ?? Self.noResponse) }
        continuation.finish(throwing: mapped)
    }

    var isFinished: Bool { lock.withLock { finished } }

    /// Records why the watchdog is about to cancel the task, so the cancellation reads as a timeout.
    func markTimedOut(_ kind: UpstreamError.TimeoutKind, seconds: Double) {
        lock.withLock { timedOut = (kind, seconds) }
    }

    /// Seconds since the last byte (or the start), and whether the task has ended.
    func idleState() -> (idle: Duration, finished: Bool) {
        lock.withLock { (.now - lastActivity, finished) }
    }

    /// Called with `lock` held.
    private func map(_ error: any Error) -> any Error {
        if let (kind, seconds) = timedOut { return UpstreamError.timeout(kind, seconds: seconds) }
        if error is CancellationError { return error }
        let urlError = error as? URLError
        if urlError?.code == .cancelled { return CancellationError() }
        if urlError?.code == .timedOut { return UpstreamError.timeout(.request, seconds: 0) }
        let reason = urlError.map { "\($0.localizedDescription) (URLError \($0.code.rawValue))" } ?? String(describing: error)
        return receivedResponse
            ? UpstreamError.badResponse(reason: "the connection broke mid-response: \(reason)", upstreamError: nil)
            : UpstreamError.unreachable(reason: reason)
    }
}
