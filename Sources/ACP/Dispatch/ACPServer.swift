public import JSONRPC
public import Server
public import Transport
import Primitives

/// The Agent Client Protocol agent (`switchboard --acp`, ACP v1: newline-delimited JSON-RPC 2.0
/// over stdio): an editor (Zed, JetBrains, codecompanion.nvim, avante.nvim, agent-shell …)
/// opens sessions and prompts them; each prompt runs the daemon's agent loop (`agent.run`, see
/// `PromptTurn`) through the same `MethodRunner` as the JSON-RPC and MCP front ends.
///
/// Runs on the stdin reader thread like them: `initialize`, `session/set_config_option`,
/// `session/close` and `session/cancel` are answered at once; `session/new` (which asks the
/// upstream for its models), `authenticate` (which resolves the key) and `session/prompt` run in
/// tasks of their own. Answers to the agent's own requests (`session/request_permission`,
/// `fs/*`) go to the `ClientPeer`.
///
/// Conversations live in a `SessionHistory` (in memory here): `session/load` and `session/list`
/// are not offered (`loadSession: false`) until a shared store takes its place.
public final class ACPServer: Sendable {
    /// ACP's protocol version (an integer).
    public static let protocolVersion = 1

    private let runner: MethodRunner
    private let writer: OutputWriter
    private let peer: ClientPeer
    private let history: any SessionHistory
    private let client = Locked(ClientCapabilities())
    private let sessions = Locked<[String: ACPSession]>([:])
    private var log: Log { runner.log }

    /// - Parameter peer: sends the agent's requests to the editor (made with ACP's
    ///   `$/cancel_request` as its cancel notification).
    public init(runner: MethodRunner, writer: OutputWriter, peer: ClientPeer, history: any SessionHistory = MemorySessionHistory()) {
        self.runner = runner
        self.writer = writer
        self.peer = peer
        self.history = history
    }

    // MARK: - Input

    public func receive(_ event: FrameEvent) {
        guard let value = FrameIntake.value(of: event, writer: writer, log: log, adoptFraming: false) else { return }
        if value.arrayValue != nil {
            return writer.send(OutgoingMessage.error(id: nil, .invalidRequest("batches are not part of ACP: send one message per line")))
        }
        switch IncomingMessage(value) {
        case .invalid(let id, let error):
            writer.send(OutgoingMessage.error(id: id, error))
        case .response(let id, let result, let error):
            if !peer.resolve(id: id, result: result, error: error) {
                log.debug("ignored a response from the editor to no request awaiting one")
            }
        case .notification(let method, let params):
            handleNotification(method, params)
        case .request(let id, let method, let params):
            do {
                try handleRequest(id: id, method: method, params: params)
            } catch {
                writer.send(OutgoingMessage.error(id: id, error))
            }
        }
    }

    private func handleNotification(_ method: String, _ params: JSONValue?) {
        switch method {
        case "session/cancel":
            guard let session = params?["sessionId"]?.stringValue.flatMap(session) else {
                return log.warn("session/cancel for no open session")
            }
            if let prompt = session.cancel() { runner.cancel(prompt) }
        case "$/cancel_request":
            if let id = params?["requestId"].flatMap(RequestID.init) { runner.cancel(id) }
        default:
            log.debug("ignored notification \(method)")
        }
    }

    private func handleRequest(id: RequestID, method: String, params: JSONValue?) throws(ResponseError) {
        if params?.arrayValue != nil { throw .invalidParams(field: "params", "must be an object") }
        switch method {
        case "initialize":
            client.withLock { $0 = ClientCapabilities(params?["clientCapabilities"]) }
            log.info("ACP client \(params?["clientInfo"]?["name"]?.stringValue ?? "unnamed"), protocol version \(params?["protocolVersion"]?.intValue ?? 0)")
            writer.send(OutgoingMessage.result(id: id, Self.initializeResult))
        case "authenticate":
            start(id) { context in
                do {
                    _ = try await context.target(try context.settings(profile: nil))
                    return [:]
                } catch let error as ResponseError {
                    // ACP's auth_required.
                    throw ResponseError(ErrorCode(rawValue: -32000), error.message)
                }
            }
        case "session/new":
            let request = try SessionRequest(params)
            start(id) { [self] context in
                let session = await newSession(request, context: context)
                sessions.withLock { $0[session.id] = session }
                log.info("session \(session.id) in \(session.cwd), model \(session.model)")
                return ["sessionId": .string(session.id), "configOptions": session.configOptions]
            }
        case "session/set_config_option":
            let session = try openSession(params)
            guard let option = params?["configId"]?.stringValue else { throw .invalidParams(field: "configId", "is required") }
            try session.set(option, to: params?["value"])
            writer.send(OutgoingMessage.result(id: id, ["configOptions": session.configOptions]))
        case "session/prompt":
            try prompt(id: id, session: try openSession(params), params: params)
        case "session/close":
            let session = try openSession(params)
            if let prompt = session.cancel() { runner.cancel(prompt) }
            sessions.withLock { $0[session.id] = nil }
            history.close(session.id)
            writer.send(OutgoingMessage.result(id: id, [:]))
        default:
            throw .methodNotFound(method)
        }
    }

    // MARK: - Methods

    /// `initialize`'s result: the version, what this agent does, how the key is found.
    static let initializeResult: JSONValue = .object(JSONObject([
        ("protocolVersion", .number(JSONNumber(protocolVersion))),
        ("agentCapabilities", .object(JSONObject([
            ("loadSession", false),
            ("promptCapabilities", ["image": true, "audio": false, "embeddedContext": true]),
            ("mcpCapabilities", ["http": true, "sse": false]),
            ("sessionCapabilities", ["close": [:], "additionalDirectories": [:]]),
        ]))),
        ("authMethods", [[
            "id": "switchboard-config", "name": "Switchboard configuration",
            "description": """
                The upstream's key comes from OPENAI_API_KEY, or the config file's api_key or api_key_command \
                (~/.config/switchboard/config.json); authenticate checks that one is found.
                """,
        ]]),
        ("agentInfo", ["name": .string(ServerInfo.name), "title": "Switchboard", "version": .string(ServerInfo.version)]),
    ]))

    private func newSession(_ request: SessionRequest, context: RequestContext) async -> ACPSession {
        let model = (try? context.settings(profile: nil).defaultModel) ?? ""
        var models: [String] = []
        if let list = runner.method(named: "models.list") {
            switch await runner.invoke(list, params: nil, context: context) {
            case .success(let result):
                models = (result["data"]?.arrayValue ?? []).compactMap { $0["id"]?.stringValue }.sorted()
            case .failure(let error):
                log.warn("session/new: the model list could not be had (\(error.message)); offering \(model) only")
            }
        }
        return ACPSession(id: "sess_" + Self.randomHex(), cwd: request.cwd, folders: request.folders, overlay: request.overlay,
                          models: models, model: model)
    }

    private func prompt(id: RequestID, session: ACPSession, params: JSONValue?) throws(ResponseError) {
        guard let blocks = params?["prompt"]?.arrayValue else { throw .invalidParams(field: "prompt", "is required: an array of content blocks") }
        guard session.begin(id) else { throw .invalidRequest("session \(session.id) is already answering a prompt") }
        let turn = PromptTurn(id: id, session: session, client: client.current, runner: runner, peer: peer, history: history,
                              updates: SessionUpdates(sessionID: session.id, output: RequestOutput(writer: writer)))
        let writer = self.writer
        let started = runner.start(id, run: { await turn.run(blocks) }, answer: { outcome in
            switch outcome {
            case .success(let result): writer.send(OutgoingMessage.result(id: id, result))
            case .failure(let error): writer.send(OutgoingMessage.error(id: id, error))
            }
        })
        if !started {
            _ = session.end()
            throw .invalidRequest("request id \(id) is already in flight")
        }
    }

    /// Runs `body` for request `id` in a task of its own and answers with what it returns.
    private func start(_ id: RequestID, _ body: @escaping @Sendable (RequestContext) async throws -> JSONValue) {
        let (runner, writer) = (self.runner, self.writer)
        let context = runner.context(for: id, output: DiscardingSink())
        let started = runner.start(id, run: { () -> JSONValue in
            do {
                return OutgoingMessage.result(id: id, try await body(context))
            } catch {
                let converted = (error as? ResponseError) ?? ResponseError(.internalError, String(describing: error))
                return OutgoingMessage.error(id: id, converted)
            }
        }, answer: { writer.send($0) })
        if !started { writer.send(OutgoingMessage.error(id: id, .invalidRequest("request id \(id) is already in flight"))) }
    }

    private func session(_ id: String) -> ACPSession? { sessions.withLock { $0[id] } }

    private func openSession(_ params: JSONValue?) throws(ResponseError) -> ACPSession {
        guard let id = params?["sessionId"]?.stringValue else { throw .invalidParams(field: "sessionId", "is required") }
        guard let session = session(id) else { throw .invalidParams(field: "sessionId", "\"\(id)\" is not an open session") }
        return session
    }

    private static func randomHex() -> String {
        (0..<4).map { _ in String(UInt32.random(in: .min ... .max), radix: 16) }.joined()
    }

    // MARK: - Ending

    /// stdin ended: the editor is gone; prompts in flight are stopped and the process exits 0.
    public func endOfInput() {
        runner.cancelAll(reason: .cancelled)
        peer.inputEnded()
        runner.endOfInput()
    }

    /// SIGINT/SIGTERM: every prompt in flight is answered (up to `grace` seconds), then the
    /// process exits with 128 + the signal number.
    public func terminate(signal: Int32, grace: Double = 3) {
        runner.terminate(signal: signal, writer: writer, grace: grace)
    }

    /// Blocks until the process should exit; returns the exit code.
    public func waitForExit() -> Int32 { runner.waitForExit() }
}
