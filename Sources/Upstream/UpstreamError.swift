public import FoundationEssentials
public import HTTP

/// Why an upstream call failed, before it is turned into a JSON-RPC error.
public enum UpstreamError: Error, Sendable {
    /// The upstream answered with a non-success status. `body` is at most `UpstreamCall.maxErrorBodyBytes`.
    /// `permanent`: the answer itself says a retry cannot mend it (see `UpstreamCall.failure()`),
    /// so it is not retried whatever its status.
    case http(status: Int, contentType: String?, body: Data, retryAfter: Double?, permanent: Bool = false)
    /// No answer: refused connection, DNS failure, TLS failure, connection reset before a response.
    case unreachable(reason: String)
    /// No answer, and trying again cannot help: libcurl missing, an untrusted certificate, an
    /// unusable URL. Never retried.
    case unavailable(reason: String)
    /// A time limit ran out: the whole request, the wait for the first byte, or a silence.
    case timeout(Timeouts.Kind, seconds: Double)
    /// The answer could not be used: dropped stream, garbage, an error event inside a stream, a
    /// body over its size limit, a redirect that is not followed.
    case badResponse(reason: String, upstreamError: Data?)

    /// Whether trying again may help (rate limits, server faults, connection failures).
    public var isRetriable: Bool {
        switch self {
        case .http(let status, _, _, _, let permanent): !permanent && RetryPolicy.retriableStatuses.contains(status)
        case .unreachable: true
        case .unavailable, .timeout, .badResponse: false
        }
    }

    /// The server-requested wait, for 429/503 answers that carry `Retry-After`.
    public var retryAfter: Double? {
        if case .http(_, _, _, let retryAfter, _) = self { return retryAfter }
        return nil
    }

    /// The engine's error in the terms the daemon reports.
    init(_ error: HTTPError) {
        switch error {
        case .unavailable(let reason), .invalidRequest(let reason), .permanent(let reason):
            self = .unavailable(reason: reason)
        case .transport(let reason, afterHead: false):
            self = .unreachable(reason: reason)
        case .transport(let reason, afterHead: true):
            self = .badResponse(reason: "the connection broke mid-response: \(reason)", upstreamError: nil)
        case .timeout(let kind, let seconds):
            self = .timeout(kind, seconds: seconds)
        case .headTooLarge(let limit):
            self = .badResponse(reason: "the response head is larger than \(limit / 1024) KiB", upstreamError: nil)
        }
    }

    /// `error` as the daemon reports it: engine errors translated, anything else unchanged.
    static func translating(_ error: any Error) -> any Error {
        (error as? HTTPError).map { UpstreamError($0) } ?? error
    }
}
