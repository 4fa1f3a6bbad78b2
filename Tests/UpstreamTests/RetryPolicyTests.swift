import Foundation
import Testing
import HTTP
@testable import Upstream

/// `RetryPolicy`: which upstream failures are retried, and how long to wait before each retry.
struct RetryPolicyTests {
    static func http(_ status: Int, retryAfter: Double? = nil) -> UpstreamError {
        .http(status: status, contentType: "application/json", body: Data(), retryAfter: retryAfter)
    }

    /// Deterministic jitter: the top of the jitter range.
    static let topOfJitter: @Sendable () -> Double = { 1 }

    @Test(arguments: [429, 500, 502, 503, 504, 524])
    func retriableStatusesAreRetried(status: Int) {
        #expect(Self.http(status).isRetriable)
        #expect(RetryPolicy().delay(beforeRetry: 1, after: Self.http(status), random: Self.topOfJitter) == 0.5)
    }

    @Test(arguments: [500, 503])
    func aFailureTheServerMarkedPermanentIsNotRetried(status: Int) {
        let error = UpstreamError.http(status: status, contentType: "application/json", body: Data(), retryAfter: nil, permanent: true)
        #expect(!error.isRetriable)
        #expect(RetryPolicy().delay(beforeRetry: 1, after: error, random: Self.topOfJitter) == nil)
    }

    @Test(arguments: [
        (#"{"error":{"code":500,"message":"image input is not supported","type":"server_error"}}"#, true),
        (#"{"error":"model not loaded"}"#, true),
        (#"{"error":""}"#, false), (#"{"error":{"code":500}}"#, false), (#"{"message":"oops"}"#, false),
        ("<html><title>500</title></html>", false), ("", false),
    ])
    func anErrorDocumentIsAJSONObjectWithAnErrorMessage(body: String, expected: Bool) {
        #expect(UpstreamCall.isErrorDocument(Data(body.utf8)) == expected)
    }

    @Test(arguments: [400, 401, 403, 404, 409, 413, 422, 501])
    func clientErrorsAreNotRetried(status: Int) {
        #expect(!Self.http(status).isRetriable)
        #expect(RetryPolicy().delay(beforeRetry: 1, after: Self.http(status), random: Self.topOfJitter) == nil)
        #expect(RetryPolicy().delay(beforeRetry: 1, after: Self.http(status, retryAfter: 1), random: Self.topOfJitter) == nil)
    }

    @Test(arguments: [
        (UpstreamError.unreachable(reason: "connection refused"), true),
        (.timeout(.request, seconds: 600), false),
        (.timeout(.idle, seconds: 60), false),
        (.badResponse(reason: "stream ended without [DONE]", upstreamError: nil), false),
    ] as [(UpstreamError, Bool)])
    func otherFailures(error: UpstreamError, retriable: Bool) {
        #expect(error.isRetriable == retriable)
        #expect((RetryPolicy().delay(beforeRetry: 1, after: error, random: Self.topOfJitter) != nil) == retriable)
    }

    @Test(arguments: [0, 1, 2, 5])
    func noMoreThanMaxRetries(maxRetries: Int) {
        let policy = RetryPolicy(maxRetries: maxRetries)
        let error = UpstreamError.unreachable(reason: "reset")
        let allowed = (1...maxRetries + 2).filter { policy.delay(beforeRetry: $0, after: error, random: Self.topOfJitter) != nil }
        #expect(allowed == Array(stride(from: 1, through: maxRetries, by: 1)))
    }

    @Test func backoffDoublesFromTheBaseAndIsCapped() {
        let policy = RetryPolicy(maxRetries: 10)
        let error = Self.http(503)
        let highest = (1...9).map { policy.delay(beforeRetry: $0, after: error, random: { 1 }) }
        let lowest = (1...9).map { policy.delay(beforeRetry: $0, after: error, random: { 0 }) }
        #expect(highest == [0.5, 1, 2, 4, 8, 16, 30, 30, 30])
        #expect(lowest == [0.25, 0.5, 1, 2, 4, 8, 15, 15, 15])
        #expect(policy.delay(beforeRetry: 3, after: error, random: { 0.5 }) == 1.5)
    }

    @Test func customBaseAndCapAreUsed() {
        let policy = RetryPolicy(maxRetries: 5, baseDelay: 2, maxDelay: 5)
        let delays = (1...4).map { policy.delay(beforeRetry: $0, after: Self.http(500), random: { 1 }) }
        #expect(delays == [2, 4, 5, 5])
    }

    @Test(arguments: [(0.0, 0.0), (7, 7), (60, 60), (0.25, 0.25)] as [(Double, Double)])
    func retryAfterReplacesTheBackoff(retryAfter: Double, expected: Double) {
        let policy = RetryPolicy(maxRetries: 3)
        for attempt in 1...3 {
            #expect(policy.delay(beforeRetry: attempt, after: Self.http(429, retryAfter: retryAfter), random: { 1 }) == expected)
        }
        #expect(policy.delay(beforeRetry: 4, after: Self.http(429, retryAfter: retryAfter), random: { 1 }) == nil)
    }

    @Test(arguments: [60.5, 61, 3600])
    func retryAfterBeyondTheLimitGivesUp(retryAfter: Double) {
        #expect(RetryPolicy().delay(beforeRetry: 1, after: Self.http(429, retryAfter: retryAfter), random: { 1 }) == nil)
        #expect(RetryPolicy(maxRetryAfter: 5000).delay(beforeRetry: 1, after: Self.http(503, retryAfter: retryAfter), random: { 1 }) == retryAfter)
    }

    // MARK: - Retry-After header

    /// 2015-10-21 07:26:40 UTC.
    static let now = Date(timeIntervalSince1970: 1_445_412_400)

    @Test(arguments: [
        ("120", 120.0), (" 5 ", 5), ("0", 0), ("1.5", 1.5),
        ("Wed, 21 Oct 2015 07:28:00 GMT", 80),
        ("Wed, 21 Oct 2015 08:26:40 GMT", 3600),
        ("Wed, 21 Oct 2015 07:00:00 GMT", 0),
    ] as [(String, Double)])
    func parsesRetryAfter(header: String, seconds: Double) {
        #expect(RetryPolicy.parseRetryAfter(header, now: Self.now) == seconds)
    }

    @Test(arguments: ["", "soon", "-5", "inf", "nan", "5 seconds", "Wed, 99 Foo 2015 07:28:00 GMT", "2015-10-21T07:28:00Z"])
    func garbageRetryAfterIsIgnored(header: String) {
        #expect(RetryPolicy.parseRetryAfter(header, now: Self.now) == nil)
    }
}
