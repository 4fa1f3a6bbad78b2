import Foundation
public import JSONRPC
public import Upstream
import HTTP
import Transport

/// What a method handler may use: its request id, notifications, configuration and the upstream.
public struct RequestContext: Sendable {
    public let id: RequestID
    public let client: UpstreamClient
    public let config: ConfigStore
    public let log: Log
    /// For quoting upstream text safely: see `Secrets.excerpt`.
    public let secrets: Secrets
    let keys: KeyResolver
    let writer: OutputWriter
    let lifecycle: Lifecycle
    /// Where `notify` delivers instead of the writer, for a front end that translates the
    /// notifications (the MCP server; see `MethodInvoker`). nil: written as JSON-RPC.
    var notificationSink: (@Sendable (String, JSONValue) -> Void)? = nil

    /// Sends a notification to the client, in order with this request's other output.
    public func notify(_ method: String, _ params: JSONValue) {
        if let notificationSink { return notificationSink(method, params) }
        writer.send(OutgoingMessage.notification(method, params))
    }

    /// The settings for this request (`profile` param, else the default profile).
    public func settings(profile: String?) throws(ResponseError) -> Settings {
        try config.settings(profile: profile)
    }

    /// How to reach the upstream with `settings`; fails with a clear error when no key is set.
    public func target(_ settings: Settings) throws(ResponseError) -> UpstreamTarget {
        UpstreamTarget(
            baseURL: settings.baseURL,
            apiKey: try keys.key(for: settings),
            headers: settings.headers,
            timeouts: Timeouts(request: settings.timeoutSeconds, firstByte: settings.firstByteTimeoutSeconds,
                               idle: settings.idleTimeoutSeconds),
            retry: RetryPolicy(maxRetries: settings.maxRetries),
            userAgent: "switchboard/\(ServerInfo.version)")
    }

    /// Logs a retry the upstream client is about to make.
    public func logRetry(_ error: UpstreamError, wait: Double) {
        log.info("request \(id): upstream attempt failed (\(error)); retrying in \(String(format: "%.2f", wait)) s")
    }
}
