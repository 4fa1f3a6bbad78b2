public import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// One HTTP exchange with the upstream whose response head has arrived; the body follows as
/// chunks in `body`, in arrival order, ending with nil or an `UpstreamError`/`CancellationError`.
public final class UpstreamCall: Sendable {
    /// At most this much of an error body is kept (error pages from proxies can be large).
    public static let maxErrorBodyBytes = 64 * 1024

    public let status: Int
    /// Response headers, names lowercased.
    public let headers: [String: String]
    public let body: AsyncThrowingStream<Data, any Error>
    private let task: URLSessionDataTask

    init(response: HTTPURLResponse, body: AsyncThrowingStream<Data, any Error>, task: URLSessionDataTask) {
        status = response.statusCode
        var headers: [String: String] = [:]
        for (name, value) in response.allHeaderFields {
            if let name = name as? String, let value = value as? String { headers[name.lowercased()] = value }
        }
        self.headers = headers
        self.body = body
        self.task = task
    }

    public var contentType: String? { headers["content-type"] }
    public var isSuccess: Bool { (200..<300).contains(status) }

    /// Aborts the HTTP request; the body then ends.
    public func cancel() { task.cancel() }

    /// Reads the whole body, failing with `badResponse` past `limit` bytes.
    public func collectBody(limit: Int) async throws -> Data {
        var data = Data()
        for try await chunk in body {
            data.append(chunk)
            if data.count > limit {
                cancel()
                throw UpstreamError.badResponse(reason: "response body larger than \(limit) bytes", upstreamError: nil)
            }
        }
        try Task.checkCancellation()
        return data
    }

    /// The failure this non-success answer stands for, with (a bounded part of) its body.
    public func failure() async -> UpstreamError {
        var data = Data()
        do {
            for try await chunk in body where data.count < Self.maxErrorBodyBytes {
                data.append(chunk.prefix(Self.maxErrorBodyBytes - data.count))
            }
        } catch {}
        cancel()
        let retryAfter = headers["retry-after"].flatMap { RetryPolicy.parseRetryAfter($0) }
        return .http(status: status, contentType: contentType, body: data, retryAfter: retryAfter)
    }
}
