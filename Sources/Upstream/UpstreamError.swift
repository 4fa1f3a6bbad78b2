public import Foundation

/// Why an upstream call failed, before it is turned into a JSON-RPC error.
public enum UpstreamError: Error, Sendable {
    /// The upstream answered with a non-success status. `body` is at most `UpstreamCall.maxErrorBodyBytes`.
    case http(status: Int, contentType: String?, body: Data, retryAfter: Double?)
    /// No answer: refused connection, DNS failure, TLS failure, connection reset before a response.
    case unreachable(reason: String)
    /// The whole request exceeded its time, or a stream went silent for too long.
    case timeout(TimeoutKind, seconds: Double)
    /// The answer could not be used: dropped stream, garbage, an error event inside a stream.
    case badResponse(reason: String, upstreamError: Data?)

    public enum TimeoutKind: String, Sendable {
        case request
        case idle
    }

    /// Whether trying again may help (rate limits, server faults, connection failures).
    public var isRetriable: Bool {
        switch self {
        case .http(let status, _, _, _): RetryPolicy.retriableStatuses.contains(status)
        case .unreachable: true
        case .timeout, .badResponse: false
        }
    }

    /// The server-requested wait, for 429/503 answers that carry `Retry-After`.
    public var retryAfter: Double? {
        if case .http(_, _, _, let retryAfter) = self { return retryAfter }
        return nil
    }
}
