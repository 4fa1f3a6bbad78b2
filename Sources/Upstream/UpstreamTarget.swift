public import Foundation
#if canImport(FoundationNetworking)
public import FoundationNetworking
#endif

/// Where and how to reach one upstream: base URL, credentials, extra headers, limits.
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
                        contentType: String? = "application/json", accept: String = "application/json") -> URLRequest {
        var url = baseURL
        for component in path.split(separator: "/") { url.appendPathComponent(String(component)) }
        var request = plainRequest(method, url, accept: accept)
        request.httpBody = body
        if body != nil, let contentType { request.setValue(contentType, forHTTPHeaderField: "Content-Type") }
        addCredentials(to: &request)
        return request
    }

    /// Method, timeout, Accept and User-Agent: what every request carries, credentials aside.
    private func plainRequest(_ method: String, _ url: URL, accept: String) -> URLRequest {
        var request = URLRequest(url: url)
        request.httpMethod = method
        request.timeoutInterval = timeouts.request + 5
        request.setValue(accept, forHTTPHeaderField: "Accept")
        request.setValue(userAgent, forHTTPHeaderField: "User-Agent")
        return request
    }

    /// The key (unless empty) and the configured headers, which win over the defaults set before.
    private func addCredentials(to request: inout URLRequest) {
        if !apiKey.isEmpty { request.setValue("Bearer \(apiKey)", forHTTPHeaderField: "Authorization") }
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
    }

    /// A GET for an absolute URL the API handed out (a generated image, say). The key and the
    /// configured headers go only to the base URL's own origin (scheme, host and port), never to
    /// a foreign host such as a storage bucket.
    public func download(_ url: URL, accept: String = "*/*") -> URLRequest {
        var request = plainRequest("GET", url, accept: accept)
        if Self.origin(of: url) == Self.origin(of: baseURL) { addCredentials(to: &request) }
        return request
    }

    /// Scheme, host and port (the scheme's default when the URL names none), lowercased.
    private static func origin(of url: URL) -> String {
        let scheme = url.scheme?.lowercased() ?? ""
        let port = url.port ?? (scheme == "https" ? 443 : 80)
        return "\(scheme)://\(url.host?.lowercased() ?? ""):\(port)"
    }

    /// A POST to `path` whose body of `contentLength` bytes is uploaded from a file (pass the file
    /// to `UpstreamClient.send(_:bodyFile:...)`). `contentType` is set last: a multipart boundary
    /// must win over any configured header.
    public func upload(_ path: String, contentType: String, contentLength: Int, accept: String = "application/json") -> URLRequest {
        var request = request("POST", path, accept: accept)
        request.setValue(contentType, forHTTPHeaderField: "Content-Type")
        request.setValue(String(contentLength), forHTTPHeaderField: "Content-Length")
        return request
    }
}
