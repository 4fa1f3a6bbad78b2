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

    /// A request for `path` (relative to the base URL, e.g. `chat/completions`) with `query`
    /// appended as its query string (see `queryString(_:)`).
    public func request(_ method: String, _ path: String, query: [(name: String, value: String)] = [], body: Data? = nil,
                        contentType: String? = "application/json", accept: String = "application/json") -> HTTPRequest {
        var request = plainRequest(method, url(for: path, query: query), accept: accept)
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

    /// A request (a POST unless `method` says otherwise) to `path` whose body of `size` bytes is
    /// read from `file` while it is sent (every attempt reads it again). `contentType` is set
    /// last: a multipart boundary must win over any configured header.
    public func upload(_ path: String, method: String = "POST", query: [(name: String, value: String)] = [], contentType: String,
                       file: String, size: Int, accept: String = "application/json") -> HTTPRequest {
        var request = withCredentials(plainRequest(method, url(for: path, query: query), accept: accept))
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

    /// The base URL with `path`'s segments appended (each percent-encoded where a path needs it)
    /// and `query` as its query string.
    private func url(for path: String, query: [(name: String, value: String)] = []) -> URL {
        var url = baseURL
        for component in path.split(separator: "/") { url.appendPathComponent(String(component)) }
        guard !query.isEmpty, let withQuery = URL(string: url.absoluteString + "?" + Self.queryString(query)) else { return url }
        return withQuery
    }

    /// `name=value` pairs joined by `&`, in the order given (a name may repeat), names and values
    /// percent-encoded except for RFC 3986's unreserved characters (`A-Z a-z 0-9 - . _ ~`): so
    /// `include[]` is written `include%5B%5D`, a space `%20`, and no value can add a parameter.
    public static func queryString(_ query: [(name: String, value: String)]) -> String {
        query.map { percentEncoded($0.name) + "=" + percentEncoded($0.value) }.joined(separator: "&")
    }

    private static func percentEncoded(_ text: String) -> String {
        var result = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                result.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                result += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        return result
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
    static func origin(of url: URL) -> String {
        let scheme = url.scheme?.lowercased() ?? ""
        let port = url.port ?? (scheme == "https" ? 443 : 80)
        return "\(scheme)://\(url.host?.lowercased() ?? ""):\(port)"
    }
}

private extension String {
    /// The string with "0"s in front up to `width` characters.
    func leftPadded(to width: Int) -> String {
        String(repeating: "0", count: max(0, width - count)) + self
    }
}
