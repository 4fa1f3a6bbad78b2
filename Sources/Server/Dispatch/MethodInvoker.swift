public import JSONRPC
public import Transport
public import Upstream

/// Runs the daemon's methods for a front end other than JSON-RPC (the MCP server): the same
/// method implementations, configuration, upstream client, key resolution and error conversion
/// as `Server`, with each method's notifications (`chat.delta`, `$/progress`) handed to the
/// caller instead of being written to the client.
public final class MethodInvoker: Sendable {
    public let config: ConfigStore
    public let log: Log
    public let secrets: Secrets
    private let client: UpstreamClient
    private let keys: KeyResolver
    /// Unused by the methods a front end calls (they notify through the sink), but part of every context.
    private let writer: OutputWriter
    private let lifecycle = Lifecycle()
    private let methods: [String: any RPCMethod]
    /// Which local files the methods may read for this front end's calls.
    public let readPolicy: ReadPolicy

    /// - Parameter readPolicy: `confined` where a model chooses the paths (see `ReadPolicy`).
    public init(config: ConfigStore, writer: OutputWriter, client: UpstreamClient, log: Log, secrets: Secrets,
                readPolicy: ReadPolicy = .trusted, methods: [any RPCMethod] = MethodRegistry.all) {
        self.config = config
        self.readPolicy = readPolicy
        self.writer = writer
        self.client = client
        self.log = log
        self.secrets = secrets
        keys = KeyResolver(secrets: secrets)
        self.methods = Dictionary(uniqueKeysWithValues: methods.map { (type(of: $0).name, $0) })
    }

    /// Calls method `name` as request `id` would. Cancelling the calling task cancels the call
    /// (its error is then -32800, with what it had produced as `data.partial`).
    /// - Parameter notify: receives the method's notifications, in order, before it returns.
    public func call(_ name: String, _ params: JSONObject, id: RequestID,
                     notify: @escaping @Sendable (String, JSONValue) -> Void) async -> Result<JSONValue, ResponseError> {
        guard let method = methods[name] else { return .failure(.methodNotFound(name)) }
        var context = RequestContext(id: id, client: client, config: config, log: log, secrets: secrets, keys: keys,
                                     writer: writer, lifecycle: lifecycle)
        context.notificationSink = notify
        context.readPolicy = readPolicy
        do {
            return .success(try await method.call(try Params(.object(params)), context: context))
        } catch {
            let reason: CancelReason? = Task.isCancelled ? .cancelled : nil
            return .failure(ErrorConversion.responseError(for: error, cancelReason: reason, secrets: secrets))
        }
    }

    /// The OpenRPC document (protocol/switchboard.openrpc.json) built into the binary: the
    /// methods' params and result schemas, for front ends that derive their own from them.
    public static let document: JSONValue = (try? JSONParser.parse(OpenRPCDocument.text)) ?? .null
}
