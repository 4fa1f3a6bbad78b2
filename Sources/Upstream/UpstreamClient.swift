public import Foundation
#if canImport(FoundationNetworking)
public import FoundationNetworking
#endif

/// How long an upstream call may take.
public struct Timeouts: Sendable, Equatable {
    /// The whole exchange, from sending the request to the last byte.
    public var request: Double
    /// The longest silence allowed once the call is under way; nil for calls where the server may
    /// legitimately think for a long time before answering (non-streamed completions).
    public var idle: Double?

    public init(request: Double, idle: Double?) {
        self.request = request
        self.idle = idle
    }
}

/// The HTTP client for the upstream API: one long-lived URLSession shared by every request.
///
/// Sessions are never torn down mid-flight (that crashes on Linux); a request is stopped by
/// cancelling its task. Callbacks arrive through one session-level delegate and are routed by
/// task identifier.
public final class UpstreamClient: Sendable {
    private let router = SessionRouter()
    /// Made on first use: a daemon that only answers local methods never starts the HTTP stack
    /// (libcurl and its TLS library), which keeps start-up and idle memory down.
    private let lazySession = LazySession()

    public init() {}

    private var session: URLSession { lazySession.get { Self.makeSession(delegate: router) } }

    private static func makeSession(delegate: SessionRouter) -> URLSession {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = 7 * 24 * 3600
        configuration.timeoutIntervalForResource = 7 * 24 * 3600
        configuration.httpMaximumConnectionsPerHost = 128
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        configuration.urlCache = nil
        let queue = OperationQueue()
        queue.maxConcurrentOperationCount = 1
        queue.name = "switchboard.upstream"
        return URLSession(configuration: configuration, delegate: delegate, delegateQueue: queue)
    }

    /// Sends `request` and waits for the response head.
    ///
    /// Throws `UpstreamError` (unreachable, timeout) or `CancellationError` when the calling task
    /// is cancelled; cancelling the task later aborts the HTTP request too.
    /// - Parameter bodyFile: when given, the body is streamed from this file (an upload task, which
    ///   is a data task, so its answer arrives through the same delegate); `request.httpBody` is
    ///   then ignored.
    public func open(_ request: URLRequest, bodyFile: URL? = nil, timeouts: Timeouts) async throws -> UpstreamCall {
        let task = bodyFile.map { session.uploadTask(with: request, fromFile: $0) } ?? session.dataTask(with: request)
        let sink = TaskSink()
        router.register(sink, for: task)
        sink.onTermination { task.cancel() }
        startWatchdog(for: sink, task: task, timeouts: timeouts)
        let response = try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                // Cancelled before it started: end here rather than rely on the session to report
                // a task that never ran.
                if Task.isCancelled {
                    router.forget(task)
                    sink.complete(error: CancellationError())
                }
                sink.awaitHead(continuation)
                if !sink.isFinished { task.resume() }
            }
        } onCancel: {
            task.cancel()
        }
        return UpstreamCall(response: response, body: sink.stream, task: task)
    }

    /// Cancels the task when it runs past its total time, or goes silent past its idle time.
    private func startWatchdog(for sink: TaskSink, task: URLSessionDataTask, timeouts: Timeouts) {
        let shortest = min(timeouts.request, timeouts.idle ?? .infinity)
        let tick = Duration.milliseconds(Int(max(0.02, min(1.0, shortest / 8)) * 1000))
        Task.detached {
            let started = ContinuousClock.now
            while true {
                try? await Task.sleep(for: tick)
                let (idle, finished) = sink.idleState()
                if finished { return }
                if let limit = timeouts.idle, idle > .milliseconds(Int(limit * 1000)) {
                    sink.markTimedOut(.idle, seconds: limit)
                } else if ContinuousClock.now - started > .milliseconds(Int(timeouts.request * 1000)) {
                    sink.markTimedOut(.request, seconds: timeouts.request)
                } else {
                    continue
                }
                task.cancel()
                return
            }
        }
    }
}
