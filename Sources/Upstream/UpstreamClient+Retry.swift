public import HTTP

extension UpstreamClient {
    /// Sends a request built by `make`, retrying per `target.retry` on connection failures and
    /// retriable statuses (honouring `Retry-After`), and returns the first successful call.
    ///
    /// Retries happen only here, before any of the response body has been handed to the caller,
    /// so nothing a client has already seen is ever produced twice.
    /// - Parameter streaming: a streamed answer: the first byte must come within
    ///   `target.timeouts.firstByte`; other calls have only the whole-request limit until then.
    /// - Parameter onRetry: told the failed attempt's error and the wait before the next one.
    public func send(_ make: () -> HTTPRequest, target: UpstreamTarget, streaming: Bool,
                     redirects: RedirectPolicy = .sameOrigin,
                     onRetry: (UpstreamError, Double) -> Void = { _, _ in }) async throws -> UpstreamCall {
        var timeouts = target.timeouts
        if !streaming { timeouts.firstByte = nil }
        var attempt = 0
        while true {
            let failure: UpstreamError
            do {
                let call = try await open(make(), target: target, timeouts: timeouts, redirects: redirects)
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
