import Primitives
import FoundationEssentials
public import HTTP
public import JSONRPC
public import Upstream
public import Transport
public import MCPClient

/// What a method handler may use: its request id, notifications, configuration and the upstream.
public struct RequestContext: Sendable {
    public let id: RequestID
    public let client: UpstreamClient
    /// The live configuration: what in-order methods (`config.update`, `initialize`) change.
    public let config: ConfigStore
    /// The configuration in force when the request was read from stdin: what its settings come
    /// from, so that a `config.update` read after it never changes where it goes.
    public let configSnapshot: JSONObject
    public let log: Log
    /// For quoting upstream text safely: see `Secrets.excerpt`.
    public let secrets: Secrets
    let keys: KeyResolver
    let lifecycle: Lifecycle
    /// Where this request's notifications go (the JSON-RPC client, or a front end that
    /// translates them), with flow control.
    public let output: any NotificationSink
    /// Which local files the request may read: `trusted` for a JSON-RPC client, confined to
    /// folders where a model chooses the paths (see `ReadPolicy`).
    public let readPolicy: ReadPolicy
    /// Sends requests to the client (`tool.approve`, `tool.execute`); nil when it takes none.
    public let peer: (any ClientRequester)?
    /// The configured MCP servers; nil where none are used.
    public let toolSource: (any MCPToolSource)?
    /// The conversation store, opened on first use.
    public let conversations: ConversationStores

    /// Sends a notification to the client, in order with this request's other output.
    public func notify(_ method: String, _ params: JSONValue) {
        output.notify(method, params)
    }

    /// Sends a notification encoded already (see `NotificationSink.notify(encodedNotification:)`).
    func notify(encodedNotification: [UInt8]) {
        output.notify(encodedNotification: encodedNotification)
    }

    /// Returns once the client has room for more of this request's output; see
    /// `NotificationSink.waitForRoom`. A stream reader awaits it before taking the next piece
    /// from the upstream, so that the upstream, not our memory, holds what the client has not read.
    func waitForOutputRoom() async throws {
        try await output.waitForRoom()
    }

    /// Whether `waitForOutputRoom` would return at once.
    var outputHasRoom: Bool { output.hasRoom }

    /// Runs `body`, whose notifications go out together when it returns.
    func batchingOutput<T>(_ body: () throws -> T) rethrows -> T {
        try output.batched(body)
    }

    /// The settings for this request (`profile` param, else the default profile), in the
    /// configuration in force when it was read.
    public func settings(profile: String?) throws(ResponseError) -> Settings {
        try ConfigStore.settings(in: configSnapshot, profile: profile)
    }

    /// How to reach the upstream with `settings`; fails with a clear error when no key is set or
    /// `api_key_command` fails (it is run, once, by the first request that needs its key).
    public func target(_ settings: Settings) async throws -> UpstreamTarget {
        UpstreamTarget(
            baseURL: settings.baseURL,
            apiKey: try await keys.key(for: settings),
            headers: settings.headers,
            timeouts: Timeouts(request: settings.timeoutSeconds, firstByte: settings.firstByteTimeoutSeconds,
                               idle: settings.idleTimeoutSeconds),
            retry: RetryPolicy(maxRetries: settings.maxRetries),
            userAgent: "switchboard/\(ServerInfo.version)")
    }

    /// How many times this request's latest upstream call was sent, for `data.attempts`.
    let attempts = AttemptCount()

    /// Sends an upstream request (see `UpstreamClient.send`): retried as `target.retry` allows,
    /// each retry logged, and the number of attempts kept for the error should one end the request.
    public func send(_ make: () -> HTTPRequest, target: UpstreamTarget, streaming: Bool = false,
                     redirects: RedirectPolicy = .sameOrigin) async throws -> UpstreamCall {
        attempts.start()
        return try await client.send(make, target: target, streaming: streaming, redirects: redirects) { error, wait in
            log.info("request \(id): upstream attempt failed (\(error)); retrying in \(wait.formatted(places: 2)) s")
            attempts.retried()
        }
    }
}

/// The number of times a request's latest upstream call was sent: set to 1 when a call starts,
/// one more for each retry. A request's calls come one after another, so the latest is the one
/// an upstream error that ends the request comes from.
final class AttemptCount: Sendable {
    private let count = Locked<Int?>(nil)

    func start() { count.withLock { $0 = 1 } }
    func retried() { count.withLock { $0 = ($0 ?? 0) + 1 } }
    /// nil until the request has sent anything upstream.
    var current: Int? { count.current }
}
