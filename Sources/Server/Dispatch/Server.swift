import Primitives
import Dispatch
import FoundationEssentials
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
public import JSONRPC
public import Transport
public import Upstream

/// Turns incoming frames into method calls and their responses.
///
/// Runs on the stdin reader thread: parses each frame, answers protocol errors at once, runs
/// in-order methods to completion before reading on, and starts one Task per concurrent request,
/// recorded in the request table so that `$/cancelRequest` and signals can reach it.
public final class Server: Sendable {
    private let methods: [String: any RPCMethod]
    private let writer: OutputWriter
    private let client: UpstreamClient
    private let config: ConfigStore
    private let log: Log
    private let secrets: Secrets
    private let keys: KeyResolver
    private let table = RequestTable()
    private let lifecycle = Lifecycle()

    public init(config: ConfigStore, writer: OutputWriter, client: UpstreamClient, log: Log, secrets: Secrets,
                methods: [any RPCMethod] = MethodRegistry.all) {
        self.methods = Dictionary(uniqueKeysWithValues: methods.map { (type(of: $0).name, $0) })
        self.writer = writer
        self.client = client
        self.config = config
        self.log = log
        self.secrets = secrets
        keys = KeyResolver(secrets: secrets)
    }

    // MARK: - Input

    /// Handles one event from the frame parser.
    public func receive(_ event: FrameEvent) {
        guard let value = FrameIntake.value(of: event, writer: writer, log: log, adoptFraming: true) else { return }
        guard case .array(let members) = value else {
            handle(IncomingMessage(value)) { [writer] response in
                if let response { writer.send(response) }
            }
            return
        }
        guard !members.isEmpty else {
            writer.send(OutgoingMessage.error(id: nil, .invalidRequest("empty batch")))
            return
        }
        let batch = BatchCollector(count: members.count) { [writer] in writer.send($0) }
        for (index, member) in members.enumerated() {
            handle(IncomingMessage(member)) { batch.deliver($0, at: index) }
        }
    }

    /// Dispatches one message; `reply` is called exactly once, with nil when no response is due.
    private func handle(_ message: IncomingMessage, reply: @escaping @Sendable (JSONValue?) -> Void) {
        switch message {
        case .invalid(let id, let error):
            reply(OutgoingMessage.error(id: id, error))
        case .response(let id):
            log.debug("ignored a response from the client (id \(id.map(String.init(describing:)) ?? "null"))")
            reply(nil)
        case .notification(let method, let params):
            handleNotification(method, params)
            reply(nil)
        case .request(let id, let method, let params):
            handleRequest(id: id, method: method, params: params, reply: reply)
        }
    }

    private func handleNotification(_ method: String, _ params: JSONValue?) {
        switch method {
        case "$/cancelRequest":
            guard let raw = params?["id"], let id = RequestID(raw) else {
                log.warn("$/cancelRequest without a usable id")
                return
            }
            if !table.cancel(id, reason: .cancelled) { log.debug("$/cancelRequest for \(id): not in flight") }
        case "exit":
            lifecycle.exitRequested()
        case "initialized":
            break
        default:
            guard let handler = methods[method] else {
                log.debug("ignored notification \(method)")
                return
            }
            runNotification(handler, params: params)
        }
    }

    /// A method sent without an id. JSON-RPC forbids an answer, so only an in-order method, one
    /// that works on the daemon itself, is run (`config.update`, `initialize` and `shutdown` for
    /// their effect; `config.get` and `rpc.discover` to no effect), and a failure is logged; one
    /// that asks the upstream, whose answer is its point, is not run at all.
    private func runNotification(_ method: any RPCMethod, params: JSONValue?) {
        let name = type(of: method).name
        guard type(of: method).execution == .inOrder else {
            log.warn("notification \(name) ignored: without an id its answer could not be given (send it as a request)")
            return
        }
        if lifecycle.isShuttingDown {
            log.warn("notification \(name) ignored: the daemon is shutting down (shutdown was received)")
            return
        }
        let context = context(for: Self.notificationID)
        let outcome = waitFor { await self.run(method, params: params, context: context, notification: true) }
        if case .failure(let error) = outcome { log.warn("notification \(name) failed (no answer is sent for a notification): \(error.message)") }
    }

    /// The id of the context a notification runs with: in-order methods do not use it.
    private static let notificationID = RequestID.string("(notification)")

    private func handleRequest(id: RequestID, method name: String, params: JSONValue?, reply: @escaping @Sendable (JSONValue?) -> Void) {
        if lifecycle.isShuttingDown {
            reply(OutgoingMessage.error(id: id, .invalidRequest("the daemon is shutting down (shutdown was received)")))
            return
        }
        guard let method = methods[name] else {
            reply(OutgoingMessage.error(id: id, .methodNotFound(name)))
            return
        }
        let refuseDuplicate = { reply(OutgoingMessage.error(id: id, .invalidRequest("request id \(id) is already in flight"))) }
        let context = context(for: id)
        switch type(of: method).execution {
        case .inOrder:
            guard !table.contains(id) else { return refuseDuplicate() }
            reply(Self.response(id: id, waitFor { await self.run(method, params: params, context: context) }))
        case .concurrent:
            guard table.reserve(id) else { return refuseDuplicate() }
            lifecycle.begin()
            let task = Task {
                let outcome = await self.run(method, params: params, context: context)
                _ = self.table.remove(id)
                reply(Self.response(id: id, outcome))
                self.lifecycle.end()
            }
            table.attach(task, to: id)
        }
    }

    private func context(for id: RequestID) -> RequestContext {
        RequestContext(id: id, client: client, config: config, log: log, secrets: secrets, keys: keys, writer: writer, lifecycle: lifecycle)
    }

    private static func response(id: RequestID, _ outcome: Result<JSONValue, ResponseError>) -> JSONValue {
        switch outcome {
        case .success(let result): OutgoingMessage.result(id: id, result)
        case .failure(let error): OutgoingMessage.error(id: id, error)
        }
    }

    /// Runs `body` to its end on the cooperative pool while the calling (reader) thread waits:
    /// how in-order methods finish before the next message is read.
    private func waitFor<T: Sendable>(_ body: @escaping @Sendable () async -> T) -> T {
        let done = DispatchSemaphore(value: 0)
        let outcome = Locked<T?>(nil)
        Task {
            let value = await body()
            outcome.withLock { $0 = value }
            done.signal()
        }
        done.wait()
        return outcome.current!
    }

    /// Runs one call: its result, or the error it ended with, converted in the one place errors
    /// are. A notification is not in the request table (its context's id is no request's).
    private func run(_ method: any RPCMethod, params: JSONValue?, context: RequestContext,
                     notification: Bool = false) async -> Result<JSONValue, ResponseError> {
        let name = type(of: method).name
        let caller = notification ? "notification" : "request \(context.id)"
        let started = ContinuousClock.now
        log.debug("\(caller) \(name): started")
        do {
            let parsed = try Params(params)
            let result = try await method.call(parsed, context: context)
            log.debug("\(caller) \(name): answered in \(ContinuousClock.now - started)")
            return .success(result)
        } catch {
            let cancelReason = notification ? nil : table.reason(context.id)
            let converted = ErrorConversion.responseError(for: error, cancelReason: cancelReason, secrets: secrets,
                                                          attempts: context.attempts.current)
            let line = "\(caller) \(name): error \(converted.code) after \(ContinuousClock.now - started): \(converted.message)"
            if converted.code == .internalError { log.error(line) } else { log.debug(line) }
            return .failure(converted)
        }
    }

    // MARK: - Ending

    /// stdin ended: finish what is in flight, then exit 0.
    public func endOfInput() {
        log.debug("end of input; \(lifecycle.outstanding) request(s) in flight")
        lifecycle.inputEnded()
    }

    /// SIGINT/SIGTERM: cancel everything in flight, let the cancellations be answered (up to
    /// `grace` seconds), then exit with 128 + the signal number. Handlers waiting for a client
    /// that reads nothing are released, so that they end at once.
    public func terminate(signal: Int32, grace: Double = 3) {
        log.info("received signal \(signal); cancelling \(lifecycle.outstanding) request(s)")
        lifecycle.signalled(128 + signal)
        table.cancelAll(reason: .signal)
        writer.stopWaiting()
        let deadline = DispatchTime.now() + grace
        while lifecycle.outstanding > 0 && DispatchTime.now() < deadline {
            usleep(10_000)
        }
        lifecycle.finish(128 + signal)
    }

    /// Blocks until the daemon should exit; returns the exit code.
    public func waitForExit() -> Int32 { lifecycle.waitForExit() }
}
