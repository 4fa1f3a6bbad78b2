import Primitives
import CCurl

/// Sends HTTP requests on libcurl's multi interface, driven by one event loop thread for the
/// whole process (see `EventLoop`): no CPU while waiting, a bounded buffer per response with
/// backpressure to the server, cancellation that never blocks.
///
/// libcurl is loaded and the thread started on the first request, so a process that never makes
/// one pays for neither.
///
/// ```swift
/// let response = try await HTTPEngine.shared.send(
///     HTTPRequest(method: "GET", url: "http://127.0.0.1:8080/v1/models"), timeouts: Timeouts(request: 30))
/// for try await chunk in response.body { ... }
/// ```
public final class HTTPEngine: Sendable {
    /// The engine every part of the daemon shares (one connection pool, one thread).
    public static let shared = HTTPEngine()

    /// Buffered body bytes per response at which the transfer is paused until the reader takes them.
    public let bufferLimit: Int
    private let loop = Guarded<Result<EventLoop, HTTPError>?>(nil)

    public init(bufferLimit: Int = 1 << 20) {
        self.bufferLimit = bufferLimit
    }

    /// Sends `request` and waits for the response head (status and fields); the body follows
    /// through the response. Cancelling the calling task cancels the request.
    /// - Throws: `HTTPError`, or `CancellationError`.
    public func send(_ request: HTTPRequest, timeouts: Timeouts) async throws -> HTTPResponse {
        try Task.checkCancellation()
        let loop = try started()
        let transfer = try Transfer(request, timeouts: timeouts, bufferLimit: bufferLimit, loop: loop)
        try transfer.prepare()
        loop.post(.add(transfer))
        let head = try await transfer.awaitHead()
        return HTTPResponse(head: head, transfer: transfer)
    }

    /// Loads libcurl and starts the loop now rather than on the first request.
    /// - Returns: libcurl's version text.
    @discardableResult
    public func start() throws(HTTPError) -> String {
        _ = try started()
        return String(cString: sb_curl_version())
    }

    private func started() throws(HTTPError) -> EventLoop {
        let outcome = loop.withLock { loop in
            if let loop { return loop }
            let made: Result<EventLoop, HTTPError>
            made = Result { () throws(HTTPError) in try EventLoop.start() }
            // Out of descriptors is a passing state, not a missing library: try again next time.
            if case .failure(.unavailable) = made, ErrorNumber.descriptorsExhausted() {
                return .failure(.unavailable("libcurl could not be loaded: Too many open files: \(ErrorNumber.descriptorAdvice)"))
            }
            loop = made
            return made
        }
        return try outcome.get()
    }
}
