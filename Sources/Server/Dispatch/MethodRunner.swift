import Primitives
public import JSONRPC
public import Transport
public import Upstream
public import MCPClient

/// The one core every front end (the JSON-RPC server, the MCP server, and the modes to come)
/// runs the daemon's methods through: the method table, the configuration, the upstream client
/// and key resolution; one place that invokes a method and converts whatever it throws; one
/// table of requests in flight, which cancellation and signals reach; and the daemon's life.
///
/// A front end reads and parses on the stdin thread, then hands each request here with the
/// `NotificationSink` its notifications go to. Nothing here waits for the client.
public final class MethodRunner: Sendable {
    public let config: ConfigStore
    public let log: Log
    public let secrets: Secrets
    private let client: UpstreamClient
    private let keys: KeyResolver
    private let methods: [String: any RPCMethod]
    private let requests = RequestTable()
    let lifecycle = Lifecycle()
    /// Which local files the methods may read for this front end's requests.
    public let readPolicy: ReadPolicy
    /// The client as a peer the daemon sends requests to (`tool.approve`, `tool.execute`); nil
    /// for a front end whose client takes none (MCP).
    public let peer: ClientPeer?
    /// The configured MCP servers, for `agent.run` and `tools.list`; nil where none are used.
    public let toolSource: (any MCPToolSource)?
    /// The conversation store every request shares.
    public let conversations = ConversationStores()

    /// - Parameter readPolicy: `confined` where a model chooses the paths (see `ReadPolicy`).
    /// - Parameter peer: how requests reach the client, for methods that ask it (see `ClientPeer`).
    /// - Parameter toolSource: the MCP servers `agent.run` may use.
    public init(config: ConfigStore, client: UpstreamClient, log: Log, secrets: Secrets, readPolicy: ReadPolicy = .trusted,
                methods: [any RPCMethod] = MethodRegistry.all, peer: ClientPeer? = nil, toolSource: (any MCPToolSource)? = nil) {
        self.config = config
        self.peer = peer
        self.toolSource = toolSource
        self.readPolicy = readPolicy
        self.client = client
        self.log = log
        self.secrets = secrets
        keys = KeyResolver(secrets: secrets)
        self.methods = Dictionary(uniqueKeysWithValues: methods.map { (type(of: $0).name, $0) })
    }

    /// The method called `name`, if there is one.
    public func method(named name: String) -> (any RPCMethod)? { methods[name] }

    /// A context for request `id`, taken now: it keeps the configuration in force at this moment,
    /// so the front end makes it while it reads the request, before reading the next one.
    /// - Parameter requester: where the method's requests to the client go (default: `peer`).
    /// - Parameter overlay: a configuration layer merged over the current configuration for this
    ///   request only (a front end's per-session settings, such as ACP's MCP servers).
    public func context(for id: RequestID, output: any NotificationSink, requester: (any ClientRequester)? = nil,
                        overlay: JSONObject? = nil) -> RequestContext {
        let snapshot = overlay.map { config.current.merging($0) } ?? config.current
        return RequestContext(id: id, client: client, config: config, configSnapshot: snapshot, log: log, secrets: secrets,
                              keys: keys, lifecycle: lifecycle, output: output, readPolicy: readPolicy,
                              peer: requester ?? peer, toolSource: toolSource, conversations: conversations)
    }

    /// Runs one call: its result, or the error it ended with, converted in the one place errors
    /// are (a cancelled request's error says why: `$/cancelRequest` or a signal).
    /// - Parameter inFlight: whether the call is in the request table (a notification is not).
    public func invoke(_ method: any RPCMethod, params: JSONValue?, context: RequestContext,
                       inFlight: Bool = true) async -> Result<JSONValue, ResponseError> {
        let name = type(of: method).name
        let caller = inFlight ? "request \(context.id)" : "notification"
        let started = ContinuousClock.now
        log.debug("\(caller) \(name): started")
        do {
            let parsed = try Params(params)
            let result = try await method.call(parsed, context: context)
            log.debug("\(caller) \(name): answered in \(ContinuousClock.now - started)")
            return .success(result)
        } catch {
            var reason = inFlight ? requests.reason(context.id) : nil
            if reason == nil && Task.isCancelled { reason = .cancelled }
            let converted = ErrorConversion.responseError(for: error, cancelReason: reason, secrets: secrets,
                                                          attempts: context.attempts.current)
            let line = "\(caller) \(name): error \(converted.code) after \(ContinuousClock.now - started): \(converted.message)"
            if converted.code == .internalError { log.error(line) } else { log.debug(line) }
            return .failure(converted)
        }
    }

    /// Starts request `id` concurrently: `run` in a task of its own, recorded so that `cancel`
    /// and signals reach it; then, once the id is free again, `answer` with what `run` returned.
    /// - Returns: false (and runs nothing) when a request with that id is in flight.
    public func start<Outcome: Sendable>(_ id: RequestID, run: @escaping @Sendable () async -> Outcome,
                                         answer: @escaping @Sendable (Outcome) -> Void) -> Bool {
        guard requests.reserve(id) else { return false }
        lifecycle.begin()
        let task = Task {
            let outcome = await run()
            _ = self.requests.remove(id)
            answer(outcome)
            self.lifecycle.end()
        }
        requests.attach(task, to: id)
        return true
    }

    /// Whether request `id` is in flight.
    public func isInFlight(_ id: RequestID) -> Bool { requests.contains(id) }

    /// Why request `id` was cancelled, if it was (and is still in flight).
    public func cancelReason(of id: RequestID) -> CancelReason? { requests.reason(id) }

    /// Cancels request `id`: its task, and through it the upstream transfer or tool it waits for,
    /// stop at once, whether or not the client is reading. False when no such request is in flight.
    @discardableResult
    public func cancel(_ id: RequestID, reason: CancelReason = .cancelled) -> Bool {
        requests.cancel(id, reason: reason)
    }

    /// Cancels every request in flight.
    public func cancelAll(reason: CancelReason) { requests.cancelAll(reason: reason) }

    /// When the client closes its end of stdout (`writer` finds it closed), every request in
    /// flight is cancelled: its answer could reach no one, and a stream would otherwise run
    /// upstream to its end (`switchboard … | head -c 100`).
    public func cancelAllWhenOutputCloses(_ writer: OutputWriter) {
        writer.whenBroken { [self] in
            let count = outstanding
            if count > 0 { log.info("the client closed its end of stdout; cancelling \(count) request(s)") }
            cancelAll(reason: .clientGone)
        }
    }

    /// Requests in flight.
    public var outstanding: Int { lifecycle.outstanding }

    /// Whether `shutdown` was received.
    public var isShuttingDown: Bool { lifecycle.isShuttingDown }

    /// stdin ended: the daemon exits 0 once every request in flight has been answered.
    public func endOfInput() { lifecycle.inputEnded() }

    /// The `exit` notification: 0 after `shutdown`, 1 without.
    public func exitRequested() { lifecycle.exitRequested() }

    /// A signal: every request is cancelled and answered (for up to `grace` seconds, producers
    /// waiting for a client that reads nothing released), then the daemon exits with 128 + `signal`.
    public func terminate(signal: Int32, writer: OutputWriter, grace: Double = 3) {
        log.info("received signal \(signal); cancelling \(outstanding) request(s)")
        lifecycle.signalled(128 + signal)
        requests.cancelAll(reason: .signal)
        writer.stopWaiting()
        let deadline = ContinuousClock.now + .seconds(grace)
        while outstanding > 0 && ContinuousClock.now < deadline { usleep(10_000) }
        lifecycle.finish(128 + signal)
    }

    /// Blocks until the daemon should exit; returns the exit code.
    public func waitForExit() -> Int32 { lifecycle.waitForExit() }

    /// The OpenRPC document (protocol/switchboard.openrpc.json) built into the binary: the
    /// methods' params and result schemas, for front ends that derive their own from them.
    public static let document: JSONValue = (try? JSONParser.parse(OpenRPCDocument.text)) ?? .null
}
