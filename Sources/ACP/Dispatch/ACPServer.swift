public import JSONRPC
public import Server
public import Transport
import Primitives
import Store

/// The Agent Client Protocol agent (`switchboard --acp`, ACP v1: newline-delimited JSON-RPC 2.0
/// over stdio): an editor (Zed, JetBrains, codecompanion.nvim, avante.nvim, agent-shell …)
/// opens sessions and prompts them; each prompt runs the daemon's agent loop (`agent.run`, see
/// `PromptTurn`) through the same `MethodRunner` as the JSON-RPC and MCP front ends.
///
/// Runs on the stdin reader thread like them: `initialize`, `session/set_config_option`,
/// `session/close` and `session/cancel` are answered at once; `session/new` and `session/load`
/// (which ask the upstream for its models), `session/list`, `authenticate` (which resolves the
/// key) and `session/prompt` run in tasks of their own. Answers to the agent's own requests
/// (`session/request_permission`, `fs/*`) go to the `ClientPeer`.
///
/// A session is a conversation of the shared store (`StoreSessionHistory`): `initialize` offers
/// `loadSession` and `sessionCapabilities.list` when the configuration keeps conversations and
/// SQLite loads; otherwise sessions live in memory (`MemorySessionHistory`) and both are refused.
public final class ACPServer: Sendable {
    /// ACP's protocol version (an integer).
    public static let protocolVersion = 1

    private let runner: MethodRunner
    private let writer: OutputWriter
    private let peer: ClientPeer
    /// Chosen by `initialize` (the store, when it is on and SQLite loads).
    private let chosenHistory = Locked<(any SessionHistory)?>(nil)
    private let client = Locked(ClientCapabilities())
    private let sessions = Locked<[String: ACPSession]>([:])
    private var log: Log { runner.log }

    /// - Parameter peer: sends the agent's requests to the editor (made with ACP's
    ///   `$/cancel_request` as its cancel notification).
    public init(runner: MethodRunner, writer: OutputWriter, peer: ClientPeer) {
        self.runner = runner
        self.writer = writer
        self.peer = peer
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
            let history = chooseHistory()
            chosenHistory.withLock { $0 = history }
            writer.send(OutgoingMessage.result(id: id, Self.initializeResult(keepsSessions: history.keepsSessions)))
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
                let session = await newSession(ConversationID.make(), request, context: context)
                open(session)
                return ["sessionId": .string(session.id), "configOptions": session.configOptions]
            }
        case "session/load":
            let request = try SessionRequest(params)
            guard let sessionID = params?["sessionId"]?.stringValue, !sessionID.isEmpty else { throw .invalidParams(field: "sessionId", "is required") }
            let history = self.history
            start(id) { [self] context in
                let stored = try await history.load(sessionID, context: context)
                if session(sessionID) != nil { throw ResponseError.invalidParams(field: "sessionId", "\"\(sessionID)\" is open already in this process") }
                let session = await newSession(sessionID, request, preferring: stored.model, context: context)
                SessionReplay.send(stored.messages, to: SessionUpdates(sessionID: sessionID, output: RequestOutput(writer: writer)), cwd: request.cwd)
                open(session)
                return ["configOptions": session.configOptions]
            }
        case "session/list":
            let cwd = params?["cwd"]?.stringValue
            if let cwd, !cwd.hasPrefix("/") { throw .invalidParams(field: "cwd", "must be an absolute path") }
            let cursor = params?["cursor"]?.stringValue
            let history = self.history
            start(id) { context in
                let page = try await history.list(cwd: cwd, cursor: cursor, context: context)
                var result = JSONObject([("sessions", .array(page.sessions))])
                if let next = page.next { result["nextCursor"] = .string(next) }
                return .object(result)
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

    /// `initialize`'s result: the version, what this agent does (`session/load` and
    /// `session/list` when sessions are kept), how the key is found.
    static func initializeResult(keepsSessions: Bool) -> JSONValue {
        var sessionCapabilities: JSONObject = ["close": [:], "additionalDirectories": [:]]
        if keepsSessions { sessionCapabilities["list"] = [:] }
        return .object(JSONObject([
            ("protocolVersion", .number(JSONNumber(protocolVersion))),
            ("agentCapabilities", .object(JSONObject([
                ("loadSession", .bool(keepsSessions)),
                ("promptCapabilities", ["image": true, "audio": false, "embeddedContext": true]),
                ("mcpCapabilities", ["http": true, "sse": false]),
                ("sessionCapabilities", .object(sessionCapabilities)),
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
    }

    /// The store when the configuration keeps conversations and SQLite loads (the file itself is
    /// opened by the first session that needs it); else memory, with the reason load and list
    /// are refused.
    private func chooseHistory() -> any SessionHistory {
        let settings: Settings
        do { settings = try runner.context(for: .string("initialize"), output: DiscardingSink()).settings(profile: nil) } catch {
            return MemorySessionHistory(reason: error)
        }
        guard settings.storePath != nil else {
            return MemorySessionHistory(reason: ResponseError(.storeError, "sessions are not kept: the configuration sets store to false",
                                                              data: ["reason": "disabled"]))
        }
        do throws(StoreError) {
            try ConversationStore.checkLibrary()
            return StoreSessionHistory()
        } catch {
            log.warn("sessions are kept in memory only: \(error.message)")
            return MemorySessionHistory(reason: ResponseError(.storeError, "sessions are not kept: \(error.message)",
                                                              data: ["reason": .string(error.kind.rawValue)]))
        }
    }

    /// The sessions' conversations: as `initialize` chose (the store unless it is off).
    private var history: any SessionHistory {
        chosenHistory.withLock { chosen in
            if let chosen { return chosen }
            let history = chooseHistory()
            chosen = history
            return history
        }
    }

    private func open(_ session: ACPSession) {
        sessions.withLock { $0[session.id] = session }
        log.info("session \(session.id) in \(session.cwd), model \(session.model)")
    }

    /// Session `id` with the upstream's models, on `preferring` (a loaded conversation's model)
    /// when the upstream offers it, else the default model.
    private func newSession(_ id: String, _ request: SessionRequest, preferring: String? = nil, context: RequestContext) async -> ACPSession {
        var model = (try? context.settings(profile: nil).defaultModel) ?? ""
        var models: [String] = []
        if let list = runner.method(named: "models.list") {
            switch await runner.invoke(list, params: nil, context: context) {
            case .success(let result):
                models = (result["data"]?.arrayValue ?? []).compactMap { $0["id"]?.stringValue }.sorted()
            case .failure(let error):
                log.warn("session/new: the model list could not be had (\(error.message)); offering \(model) only")
            }
        }
        if let preferring, models.contains(preferring) { model = preferring }
        return ACPSession(id: id, cwd: request.cwd, folders: request.folders, overlay: request.overlay,
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
