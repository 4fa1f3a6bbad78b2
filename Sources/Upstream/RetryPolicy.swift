public import FoundationEssentials
import Primitives

/// When and how long to wait before trying an upstream request again.
///
/// Exponential backoff with full jitter on top of a floor of half the delay; a `Retry-After` from
/// the server replaces the computed delay. A server asking for more than `maxRetryAfter` seconds
/// is not waited for: the error goes to the client with `retry_after` so it can decide.
public struct RetryPolicy: Sendable, Equatable {
    public static let retriableStatuses: Set<Int> = [408, 429, 500, 502, 503, 504, 520, 522, 524]

    public var maxRetries: Int
    public var baseDelay: Double
    public var maxDelay: Double
    public var maxRetryAfter: Double

    public init(maxRetries: Int = 2, baseDelay: Double = 0.5, maxDelay: Double = 30, maxRetryAfter: Double = 60) {
        self.maxRetries = maxRetries
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.maxRetryAfter = maxRetryAfter
    }

    /// The wait before retry number `attempt` (1-based) after `error`, or nil to give up.
    public func delay(beforeRetry attempt: Int, after error: UpstreamError,
                      random: () -> Double = { Double.random(in: 0...1) }) -> Double? {
        guard attempt <= maxRetries, error.isRetriable else { return nil }
        if let retryAfter = error.retryAfter {
            return retryAfter <= maxRetryAfter ? max(0, retryAfter) : nil
        }
        let exponential = min(maxDelay, baseDelay * pow(2, Double(attempt - 1)))
        return exponential / 2 + exponential / 2 * random()
    }

    /// Parses a `Retry-After` value: delta-seconds or an HTTP date (seconds since 1970 of `now`).
    public static func parseRetryAfter(_ value: String, now: Date = Date()) -> Double? {
        let trimmed = value.trimmingWhitespace
        if let seconds = Double(trimmed), seconds >= 0, seconds.isFinite { return seconds }
        guard let date = HTTPDate.secondsSince1970(trimmed) else { return nil }
        return max(0, date - now.timeIntervalSince1970)
    }
}
