public import FoundationEssentials
public import HTTP
import Primitives

/// The HTTP client for the upstream API: requests go through the process's `HTTPEngine` (one
/// event loop on libcurl, one connection pool shared by every request).
public final class UpstreamClient: Sendable {
    /// How long a request waits for a preconnect to its origin that is under way: long enough for
    /// a handshake with any server that answers, short enough that a server slow to answer `HEAD`
    /// barely delays the first question.
    public static let preconnectWait = 2.0

    private let engine: HTTPEngine
    /// The preconnects under way, by origin; each settles when its connection is in the pool.
    private let preconnecting = Locked<[String: OneShot<Void>]>([:])

    public init(engine: HTTPEngine = .shared) {
        self.engine = engine
    }

    /// Sends `request` and waits for the response head, following redirects as `redirects` allows.
    ///
    /// Throws `UpstreamError` (unreachable, timeout, a refused redirect, an encoded body) or
    /// `CancellationError` when the calling task is cancelled; cancelling it later aborts the
    /// HTTP request too.
    public func open(_ request: HTTPRequest, target: UpstreamTarget, timeouts: Timeouts,
                     redirects: RedirectPolicy = .sameOrigin) async throws -> UpstreamCall {
        var request = request
        var hops = 0
        await waitForPreconnect(to: request.url)
        while true {
            let response: HTTPResponse
            do {
                response = try await engine.send(request, timeouts: timeouts)
            } catch {
                throw UpstreamError.translating(error)
            }
            let head = response.head
            if RedirectPolicy.statuses.contains(head.status), let location = head.headers["location"] {
                response.discard()
                request = try next(after: request, status: head.status, location: location, hops: &hops,
                                   target: target, policy: redirects)
                continue
            }
            if head.isSuccess, let coding = head.contentEncoding {
                response.cancel()
                throw UpstreamError.badResponse(reason: "the upstream sent a \(coding)-encoded body although only identity was accepted",
                                                upstreamError: nil)
            }
            return UpstreamCall(response)
        }
    }

    /// Opens a connection to `baseURL` (DNS, TCP, TLS) with a `HEAD` request that carries no
    /// credentials and whose answer is dropped, so that the first real request finds the
    /// connection ready. Returns the status, or the error; never throws.
    ///
    /// A request to the same origin made meanwhile waits for it (at most `preconnectWait`
    /// seconds) rather than open a second connection beside it: a question sent right after
    /// `initialize` uses the connection being opened for it, and leaves no idle one behind.
    @discardableResult
    public func preconnect(to baseURL: URL, userAgent: String) async -> Result<Int, UpstreamError> {
        let origin = UpstreamTarget.origin(of: baseURL)
        let done = OneShot<Void>()
        preconnecting.withLock { $0[origin] = done }
        defer {
            preconnecting.withLock { if $0[origin] === done { $0[origin] = nil } }
            done.resolve(.success(()))
        }
        let request = HTTPRequest(method: "HEAD", url: baseURL.absoluteString, headers: [("User-Agent", userAgent)])
        do {
            let response = try await engine.send(request, timeouts: Timeouts(request: 10))
            // To the end of the (empty) body: the connection is back in the pool once it ends.
            for try await _ in response.body {}
            return .success(response.status)
        } catch {
            return .failure((UpstreamError.translating(error) as? UpstreamError) ?? .unreachable(reason: "\(error)"))
        }
    }

    /// Waits (at most `preconnectWait` seconds) for a preconnect to `url`'s origin under way.
    private func waitForPreconnect(to url: String) async {
        guard let pending = preconnecting.withLock({ $0.isEmpty ? nil : $0 }),
              let parsed = URL(string: url), let done = pending[UpstreamTarget.origin(of: parsed)] else { return }
        _ = await done.value(within: Self.preconnectWait)
    }

    /// The request a redirect asks for, or the error that refuses it.
    private func next(after request: HTTPRequest, status: Int, location: String, hops: inout Int,
                      target: UpstreamTarget, policy: RedirectPolicy) throws -> HTTPRequest {
        hops += 1
        guard let url = URL(string: location, relativeTo: URL(string: request.url))?.absoluteURL,
              let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https" else {
            throw UpstreamError.badResponse(reason: "the upstream redirected (\(status)) to an unusable location: \(location)", upstreamError: nil)
        }
        guard hops <= RedirectPolicy.maxRedirects else {
            throw UpstreamError.badResponse(reason: "more than \(RedirectPolicy.maxRedirects) redirects (the last to \(url.absoluteString))",
                                            upstreamError: nil)
        }
        if policy == .sameOrigin && !target.isOwnOrigin(url) {
            throw UpstreamError.badResponse(
                reason: "the upstream redirected (\(status)) to \(url.absoluteString), another origin than base_url; "
                    + "it is not followed (the request and key would go to a host you did not configure) — "
                    + "set base_url to that address if you trust it",
                upstreamError: nil)
        }
        return target.redirected(request, status: status, to: url)
    }
}
