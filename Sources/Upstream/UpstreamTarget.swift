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
        var request = URLRequest(url: url)
        request.httpMethod = method
        request.httpBody = body
        request.timeoutInterval = timeouts.request + 5
        if !apiKey.isEmpty { request.setValue("Bearer \(apiKey)", forHTTPHeaderField: "Authorization") }
        if body != nil, let contentType { request.setValue(contentType, forHTTPHeaderField: "Content-Type") }
        request.setValue(accept, forHTTPHeaderField: "Accept")
        request.setValue(userAgent, forHTTPHeaderField: "User-Agent")
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        return request
    }
}
