import Primitives
import Dispatch
public import JSONRPC
public import Transport

/// Switchboard's JSON-RPC front end: turns incoming frames into method calls and their responses.
///
/// Runs on the stdin reader thread, which only reads, parses and dispatches: protocol errors
/// are answered at once, in-order methods (configuration, lifecycle) run to completion before
/// the next message is read, and every other request starts in a task of its own through the
/// `MethodRunner`, which `$/cancelRequest` and signals reach. Nothing here waits for the client
/// to read: only writing does (see `OutputWriter`).
public final class JSONRPCServer: Sendable {
    private let runner: MethodRunner
    private let writer: OutputWriter
    private var log: Log { runner.log }

    public init(runner: MethodRunner, writer: OutputWriter) {
        self.runner = runner
        self.writer = writer
        runner.cancelAllWhenOutputCloses(writer)
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
        case .response(let id, let result, let error):
            if runner.peer?.resolve(id: id, result: result, error: error) != true {
                log.debug("ignored a response from the client to no request awaiting one (id \(id.map(String.init(describing:)) ?? "null"))")
            }
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
            if !runner.cancel(id) { log.debug("$/cancelRequest for \(id): not in flight") }
        case "exit":
            runner.exitRequested()
        case "initialized":
            break
        default:
            guard let handler = runner.method(named: method) else {
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
        if runner.isShuttingDown {
            log.warn("notification \(name) ignored: the daemon is shutting down (shutdown was received)")
            return
        }
        let context = runner.context(for: Self.notificationID, output: DiscardingSink())
        let outcome = waitFor { await self.runner.invoke(method, params: params, context: context, inFlight: false) }
        if case .failure(let error) = outcome { log.warn("notification \(name) failed (no answer is sent for a notification): \(error.message)") }
    }

    /// The id of the context a notification runs with: in-order methods do not use it.
    private static let notificationID = RequestID.string("(notification)")

    private func handleRequest(id: RequestID, method name: String, params: JSONValue?, reply: @escaping @Sendable (JSONValue?) -> Void) {
        if runner.isShuttingDown {
            reply(OutgoingMessage.error(id: id, .invalidRequest("the daemon is shutting down (shutdown was received)")))
            return
        }
        guard let method = runner.method(named: name) else {
            reply(OutgoingMessage.error(id: id, .methodNotFound(name)))
            return
        }
        let refuseDuplicate = { reply(OutgoingMessage.error(id: id, .invalidRequest("request id \(id) is already in flight"))) }
        let context = runner.context(for: id, output: RequestOutput(writer: writer))
        switch type(of: method).execution {
        case .inOrder:
            guard !runner.isInFlight(id) else { return refuseDuplicate() }
            reply(Self.response(id: id, waitFor { await self.runner.invoke(method, params: params, context: context) }))
        case .concurrent:
            let runner = self.runner
            let started = runner.start(id, run: { await runner.invoke(method, params: params, context: context) },
                                       answer: { reply(Self.response(id: id, $0)) })
            if !started { refuseDuplicate() }
        }
    }

    private static func response(id: RequestID, _ outcome: Result<JSONValue, ResponseError>) -> JSONValue {
        switch outcome {
        case .success(let result): OutgoingMessage.result(id: id, result)
        case .failure(let error): OutgoingMessage.error(id: id, error)
        }
    }

    /// Runs `body` to its end on the cooperative pool while the calling (reader) thread waits:
    /// how in-order methods finish before the next message is read. They never wait for the
    /// client, so this waits only for the method's own work.
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

    // MARK: - Ending

    /// stdin ended: finish what is in flight, then exit 0.
    public func endOfInput() {
        log.debug("end of input; \(runner.outstanding) request(s) in flight")
        // No answer to a request of the daemon's can arrive any more.
        runner.peer?.inputEnded()
        runner.endOfInput()
    }

    /// SIGINT/SIGTERM: cancel everything in flight, let the cancellations be answered (up to
    /// `grace` seconds), then exit with 128 + the signal number.
    public func terminate(signal: Int32, grace: Double = 3) {
        runner.terminate(signal: signal, writer: writer, grace: grace)
    }

    /// Blocks until the daemon should exit; returns the exit code.
    public func waitForExit() -> Int32 { runner.waitForExit() }
}
