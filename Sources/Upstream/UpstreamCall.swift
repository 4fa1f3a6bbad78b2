public import FoundationEssentials
import HTTP
import JSONRPC

/// One HTTP exchange with the upstream whose response head has arrived; the body follows in
/// `body`, in arrival order, ending normally or with an `UpstreamError`/`CancellationError`.
///
/// The body arrives through a bounded buffer (see `HTTPEngine`): a reader that stops reading
/// pauses the upstream instead of growing our memory. Every way of reading it here stops at a
/// size limit while reading, never after.
public final class UpstreamCall: Sendable {
    /// At most this much of an error body is read (error pages from proxies can be large, or endless).
    public static let maxErrorBodyBytes = 64 * 1024

    private let response: HTTPResponse

    init(_ response: HTTPResponse) {
        self.response = response
    }

    public var status: Int { response.head.status }
    /// Response headers, names lowercased.
    public var headers: [String: String] { response.head.headers }
    public var contentType: String? { response.head.contentType }
    public var isSuccess: Bool { response.head.isSuccess }

    /// The body, piece by piece. Read it once.
    public var body: UpstreamBody { UpstreamBody(base: response.body) }

    /// Reads the body piece by piece as it arrives, synchronously, on the HTTP engine's thread:
    /// see `HTTPResponse.consume`. Returns true once `consume` returned false, false at the body's
    /// end; the engine's errors come as `UpstreamError` (as the `body`'s do).
    public func consume(_ consume: (UnsafeRawBufferPointer) throws -> Bool) async throws -> Bool {
        do {
            return try await response.consume(consume)
        } catch {
            throw UpstreamError.translating(error)
        }
    }

    /// Aborts the HTTP request and closes its connection; a reader gets `CancellationError`.
    public func cancel() { response.cancel() }

    /// The rest of the body is not wanted (a stream ended with `[DONE]`): it is drained briefly
    /// so the connection can be reused, else closed.
    public func finish() { response.discard() }

    /// Runs `body`, a reader of this call's stream, on the HTTP engine's thread: see
    /// `HTTPResponse.readOnLoop`. `body` must not block: what must wait suspends instead.
    public func readOnLoop<T>(_ body: () async throws -> T) async throws -> T {
        try await response.readOnLoop(body)
    }

    /// Reads the whole body, failing with `badResponse` as soon as it is known to exceed `limit`
    /// bytes (from `Content-Length`, or while reading).
    public func collectBody(limit: Int, what: String = "response body") async throws -> Data {
        let tooLarge = UpstreamError.badResponse(reason: "the \(what) is larger than \(limit) bytes", upstreamError: nil)
        if let length = response.head.contentLength, length > limit {
            cancel()
            throw tooLarge
        }
        var data = Data()
        for try await chunk in body {
            guard data.count + chunk.count <= limit else {
                cancel()
                throw tooLarge
            }
            data.append(chunk)
        }
        try Task.checkCancellation()
        return data
    }

    /// The failure this non-success answer stands for, with (at most `maxErrorBodyBytes` of) its
    /// body: reading stops there, so an error body that never ends still gives an answer.
    ///
    /// A 500 that carries a well-formed JSON error (`{"error": {"message": …}}` or
    /// `{"error": "…"}`) from a server that also closes the connection (`Connection: close`) is
    /// `permanent`: that is how llama.cpp's server answers a request it cannot serve ("image
    /// input is not supported"), and sending it again (an image uploaded again) gets the same
    /// answer. A 500 without those signs, and 502, 503, 504 (a gateway or an overloaded server
    /// speaking), stay retriable.
    public func failure() async -> UpstreamError {
        var data = Data()
        if let coding = response.head.contentEncoding {
            data = Data("[a \(coding)-encoded body, not decoded]".utf8)
        } else {
            do {
                for try await chunk in body {
                    data.append(chunk.prefix(Self.maxErrorBodyBytes - data.count))
                    if data.count >= Self.maxErrorBodyBytes { break }
                }
            } catch {}
        }
        cancel()
        let retryAfter = headers["retry-after"].flatMap { RetryPolicy.parseRetryAfter($0) }
        let closes = headers["connection"]?.lowercased().contains("close") == true
        return .http(status: status, contentType: contentType, body: data, retryAfter: retryAfter,
                     permanent: status == 500 && closes && Self.isErrorDocument(data))
    }

    /// Whether `body` is a JSON object whose `error` is an object with a `message` or a string.
    static func isErrorDocument(_ body: Data) -> Bool {
        guard let error = (try? JSONParser.parse(Array(body)))?["error"] else { return false }
        return error["message"]?.stringValue != nil || error.stringValue?.isEmpty == false
    }
}

/// An upstream call's body: the engine's chunks, with its errors in `UpstreamError` terms.
public struct UpstreamBody: AsyncSequence, Sendable {
    public typealias Element = Data
    let base: ResponseBody

    public func makeAsyncIterator() -> Iterator { Iterator(base: base.makeAsyncIterator()) }

    public struct Iterator: AsyncIteratorProtocol {
        var base: ResponseBody.Iterator

        public mutating func next() async throws -> Data? {
            do {
                return try await base.next()
            } catch {
                throw UpstreamError.translating(error)
            }
        }
    }
}
