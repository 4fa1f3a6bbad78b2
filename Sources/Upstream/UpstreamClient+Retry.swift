public import Foundation
#if canImport(FoundationNetworking)
public import FoundationNetworking
#endif

extension UpstreamClient {
    /// Sends a request built by `make`, retrying per `target.retry` on connection failures and
    /// retriable statuses (honouring `Retry-After`), and returns the first successful call.
    ///
    /// Retries happen only here, before any of the response body has been handed to the caller,
    /// so nothing a client has already seen is ever produced twice.
    /// - Parameter bodyFile: a file holding the body, read anew by every attempt (see `open`).
    /// - Parameter onRetry: told the failed attempt's error and the wait before the next one.
    public func send(_ make: () -> URLRequest, bodyFile: URL? = nil, target: UpstreamTarget, streaming: Bool,
                     onRetry: (UpstreamError, Double) -> Void = { _, _ in }) async throws -> UpstreamCall {
        let timeouts = Timeouts(request: target.timeouts.request, idle: streaming ? target.timeouts.idle : nil)
        var attempt = 0
        while true {
            let failure: UpstreamError
            do {
                let call = try await open(make(), bodyFile: bodyFile, timeouts: timeouts)
                if call.isSuccess { return call }
                failure = await call.failure()
            } catch let error as UpstreamError {
                failure = error
            }
            attempt += 1
            guard let wait = target.retry.delay(beforeRetry: attempt, after: failure) else { throw failure }
            onRetry(failure, wait)
            try await Task.sleep(for: .milliseconds(Int(wait * 1000)))
        }
    }
}
