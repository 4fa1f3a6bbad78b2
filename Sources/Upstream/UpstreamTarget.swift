public import FoundationEssentials
public import HTTP

/// Where and how to reach one upstream: base URL, credentials, extra headers, limits.
///
/// Credentials (the key as `Authorization: Bearer`, and the configured headers) go only to the
/// base URL's own origin: scheme, host and port. A request for any other origin (an image on a
/// storage host, a redirect elsewhere) carries neither.
public struct UpstreamTarget: Sendable {
    public var baseURL: URL
    public var apiKey: String
    public var headers: [String: String]
    public var timeouts: Timeouts
    public var retry: RetryPolicy
    public var userAgent: String

    public init(baseURL: URL, apiKey: String, headers: [String: String] = [:], timeouts: Timeouts,
                retry: RetryPolicy, userAgent: String = "switchboard") {
        self.baseURL = baseURL
        self.apiKey = apiKey
        self.headers = headers
        self.timeouts = timeouts
        self.retry = retry
        self.userAgent = userAgent
    }

    /// A request for `path` (relative to the base URL, e.g. `chat/completions`).
    public func request(_ method: String, _ path: String, body: Data? = nil,
                        contentType: String? = "application/json", accept: String = "application/json") -> HTTPRequest {
        var request = plainRequest(method, url(for: path), accept: accept)
        if let body {
            request.body = .bytes(Array(body))
            if let contentType { request.setHeader("Content-Type", contentType) }
        }
        return withCredentials(request)
    }

    /// A GET for an absolute URL the API handed out (a generated image, say); credentials only if
    /// it is on the base URL's origin.
    public func download(_ url: URL, accept: String = "*/*") -> HTTPRequest {
        withCredentials(plainRequest("GET", url, accept: accept))
    }

    /// A POST to `path` whose body of `size` bytes is read from `file` while it is sent (every
    /// attempt reads it again). `contentType` is set last: a multipart boundary must win over any
    /// configured header.
    public func upload(_ path: String, contentType: String, file: String, size: Int, accept: String = "application/json") -> HTTPRequest {
        var request = withCredentials(plainRequest("POST", url(for: path), accept: accept))
        request.body = .file(path: file, size: size)
        request.setHeader("Content-Type", contentType)
        return request
    }

    /// The request to send after `status` redirected `request` to `url`: 303 turns it into a GET
    /// without a body (as browsers and curl do); 301, 302, 307 and 308 keep the method and body (an
    /// API request that became a GET would only fail less clearly). Credentials are taken off and
    /// put back only if `url` is on the base URL's origin.
    public func redirected(_ request: HTTPRequest, status: Int, to url: URL) -> HTTPRequest {
        var next = request
        next.url = url.absoluteString
        for name in credentialHeaders().map(\.name) { next.removeHeader(name) }
        if status == 303 && request.method != "HEAD" {
            next.method = "GET"
            next.body = .none
            next.removeHeader("Content-Type")
        }
        return withCredentials(next)
    }

    /// Whether `url` has the base URL's scheme, host and port (the scheme's default port when none is given).
    public func isOwnOrigin(_ url: URL) -> Bool {
        Self.origin(of: url) == Self.origin(of: baseURL)
    }

    private func url(for path: String) -> URL {
        var url = baseURL
        for component in path.split(separator: "/") { url.appendPathComponent(String(component)) }
        return url
    }

    /// Method, Accept and User-Agent: what every request carries, credentials aside.
    private func plainRequest(_ method: String, _ url: URL, accept: String) -> HTTPRequest {
        HTTPRequest(method: method, url: url.absoluteString, headers: [("Accept", accept), ("User-Agent", userAgent)])
    }

    /// The key (unless empty), then the configured headers, which win over the defaults set before.
    private func credentialHeaders() -> [(name: String, value: String)] {
        var fields: [(name: String, value: String)] = apiKey.isEmpty ? [] : [("Authorization", "Bearer \(apiKey)")]
        fields += headers.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        return fields
    }

    private func withCredentials(_ request: HTTPRequest) -> HTTPRequest {
        guard let url = URL(string: request.url), isOwnOrigin(url) else { return request }
        var request = request
        for (name, value) in credentialHeaders() { request.setHeader(name, value) }
        return request
    }

    /// Scheme, host and port, lowercased.
    private static func origin(of url: URL) -> String {
        let scheme = url.scheme?.lowercased() ?? ""
        let port = url.port ?? (scheme == "https" ? 443 : 80)
        return "\(scheme)://\(url.host?.lowercased() ?? ""):\(port)"
    }
}
