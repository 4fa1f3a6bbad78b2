public import JSONRPC
public import Server
public import Transport
import Primitives
import FoundationEssentials

/// The MCP server (`switchboard --mcp`): reads MCP messages (newline-delimited JSON-RPC 2.0,
/// one message per line, no batches) and serves the daemon's methods as tools.
///
/// Dual-era (see `ProtocolVersion`): a request whose `_meta` declares a 2026-07-28 version is
/// served statelessly (`server/discover`, `tools/list`, `tools/call`); `initialize` opens a legacy
/// session for 2024-11-05 to 2025-11-25 clients, which adds `ping`, `logging/setLevel` and
/// `notifications/initialized`. Runs on the stdin reader thread like `JSONRPCServer`: every
/// request but `tools/call` is answered at once; each `tools/call` runs through the
/// `MethodRunner`, in a task of its own that `notifications/cancelled` and signals reach.
public final class MCPServer: Sendable {
    private let runner: MethodRunner
    private let writer: OutputWriter
    private let outputFolder: OutputFolder
    private let catalog: ToolCatalog
    private let session = LegacySession()
    private let preconnected = Locked(false)
    private var log: Log { runner.log }

    public init(runner: MethodRunner, writer: OutputWriter, outputFolder: OutputFolder) {
        self.runner = runner
        self.writer = writer
        self.outputFolder = outputFolder
        catalog = ToolCatalog()
        runner.cancelAllWhenOutputCloses(writer)
    }

    // MARK: - Input

    public func receive(_ event: FrameEvent) {
        guard let value = FrameIntake.value(of: event, writer: writer, log: log, adoptFraming: false) else { return }
        if value.arrayValue != nil {
            return writer.send(OutgoingMessage.error(id: nil, .invalidRequest("batches are not part of MCP: send one message per line")))
        }
        let id = value["id"].flatMap(RequestID.init)
        if value.objectValue != nil, value["jsonrpc"] != "2.0" {
            return writer.send(OutgoingMessage.error(id: id, .invalidRequest("jsonrpc must be \"2.0\"")))
        }
        switch IncomingMessage(value) {
        case .invalid(let id, let error):
            writer.send(OutgoingMessage.error(id: id, error))
        case .response:
            log.debug("ignored a response from the client (this server sends no requests)")
        case .notification(let method, let params):
            handleNotification(method, params)
        case .request(let id, let method, let params):
            if case .number(let number) = id, number.intValue == nil, !number.literal.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == "-") }) {
                return writer.send(OutgoingMessage.error(id: id, .invalidRequest("id must be a string or an integer")))
            }
            do {
                try handleRequest(id: id, method: method, params: params)
            } catch {
                writer.send(OutgoingMessage.error(id: id, error))
            }
        }
    }

    private func handleNotification(_ method: String, _ params: JSONValue?) {
        switch method {
        case "notifications/cancelled":
            guard let id = params?["requestId"].flatMap(RequestID.init) else {
                return log.warn("notifications/cancelled without a usable requestId")
            }
            log.debug("request \(id) cancelled by the client: \(params?["reason"]?.stringValue ?? "no reason given")")
            runner.cancel(id)
        case "notifications/initialized":
            log.debug("the client finished initialization")
        default:
            log.debug("ignored notification \(method)")
        }
    }

    private func handleRequest(id: RequestID, method: String, params: JSONValue?) throws(ResponseError) {
        if params?.arrayValue != nil { throw .invalidParams(field: "params", "must be an object") }
        let meta = try RequestMeta(params)
        if let version = meta.version {
            switch method {
            case "server/discover": return reply(id, discovery(), in: version)
            case "tools/list": return reply(id, try toolList(params, version: version), in: version)
            case "tools/call": return try callTool(id: id, params: params, meta: meta, version: version)
            default: throw .methodNotFound(method)
            }
        }
        switch method {
        case "initialize":
            return reply(id, try initialize(params), in: .v2025_11_25)
        case "ping":
            return reply(id, [:], in: .v2025_11_25)
        case "server/discover", "tools/list", "tools/call", "logging/setLevel":
            guard let version = session.version else {
                throw .invalidParams(field: "_meta.\(RequestMeta.versionKey)",
                                     "is required (2026-07-28), or open a session with initialize first (earlier revisions)")
            }
            switch method {
            case "tools/list": return reply(id, try toolList(params, version: version), in: version)
            case "tools/call": return try callTool(id: id, params: params, meta: meta, version: version)
            case "logging/setLevel":
                session.setLogLevel(try LogLevel(params?["level"], field: "level"))
                return reply(id, [:], in: version)
            default: throw .methodNotFound(method)
            }
        default:
            throw .methodNotFound(method)
        }
    }

    /// Writes a result; modern revisions add `resultType` and the server's identity in `_meta`.
    private func reply(_ id: RequestID, _ result: JSONValue, in version: ProtocolVersion) {
        var object = result.objectValue ?? JSONObject()
        if version.hasResultType {
            object = JSONObject([("resultType", "complete")] + object.map { ($0.key, $0.value) })
            var meta = object["_meta"]?.objectValue ?? JSONObject()
            meta[RequestMeta.serverInfoKey] = Self.serverInfo
            object["_meta"] = .object(meta)
        }
        writer.send(OutgoingMessage.result(id: id, .object(object)))
    }

    // MARK: - Methods

    static let serverInfo: JSONValue = ["name": .string(ServerInfo.name), "version": .string(ServerInfo.version)]
    /// How long a client may keep `tools/list` and `server/discover` answers: they never change while the process runs.
    static let cacheMilliseconds = 3_600_000

    private var instructions: String {
        """
        Switchboard relays an OpenAI-compatible API: chat with any of its models, vision, embeddings, speech \
        and transcription, image generation and MidJourney. Local files are read where a tool takes a path; \
        files the tools write are saved only under \(outputFolder.root.path) and returned as links.
        """
    }

    private var capabilities: JSONValue { ["tools": [:], "logging": [:]] }

    private func initialize(_ params: JSONValue?) throws(ResponseError) -> JSONValue {
        let requested = params?["protocolVersion"]?.stringValue
        let version = ProtocolVersion.negotiate(initialize: requested)
        guard session.begin(version) else { throw .invalidRequest("initialize was already received: the session is open") }
        log.info("MCP session \(version) (the client asked for \(requested ?? "no version")), client "
            + (params?["clientInfo"]?["name"]?.stringValue ?? "unnamed"))
        preconnect()
        return ["protocolVersion": .string(version.name), "capabilities": capabilities, "serverInfo": Self.serverInfo,
                "instructions": .string(instructions)]
    }

    private func discovery() -> JSONValue {
        preconnect()
        return .object(JSONObject([
            ("supportedVersions", .array(ProtocolVersion.modern.map { .string($0.name) })), ("capabilities", capabilities),
            ("instructions", .string(instructions)), ("ttlMs", .number(Self.cacheMilliseconds)), ("cacheScope", "public"),
        ]))
    }

    private func toolList(_ params: JSONValue?, version: ProtocolVersion) throws(ResponseError) -> JSONValue {
        if let cursor = params?["cursor"], !cursor.isNull { throw .invalidParams(field: "cursor", "is not a cursor this server gave (the list has one page)") }
        var result: JSONObject = ["tools": .array(catalog.declarations(for: version))]
        if version.hasResultType {
            result["ttlMs"] = .number(Self.cacheMilliseconds)
            result["cacheScope"] = "public"
        }
        return .object(result)
    }

    private func callTool(id: RequestID, params: JSONValue?, meta: RequestMeta, version: ProtocolVersion) throws(ResponseError) {
        guard let name = params?["name"]?.stringValue else { throw .invalidParams(field: "name", "is required (the tool's name)") }
        guard let tool = catalog.tool(named: name) else {
            throw ResponseError(.invalidParams, "Unknown tool: \(name) (tools/list lists \(catalog.tools.map(\.name).joined(separator: ", ")))",
                                data: ["field": "name"])
        }
        let arguments = params?["arguments"].flatMap { $0.isNull ? nil : $0 } ?? [:]
        guard arguments.objectValue != nil else { throw .invalidParams(field: "arguments", "must be an object") }
        let (runner, session) = (self.runner, self.session)
        let output = RequestOutput(writer: writer)
        // Nothing more is written for a call once the client cancelled it.
        let send: @Sendable (JSONValue) -> Void = { message in if runner.cancelReason(of: id) == nil { output.send(message) } }
        let requestLevel = meta.logLevel
        let threshold: @Sendable () -> LogLevel?
        if version.isModern { threshold = { requestLevel } } else { threshold = { session.logLevel } }
        let log = CallLog(tool: name, threshold: threshold, send: send, log: runner.log, secrets: runner.secrets)
        let context = ToolContext(id: id, runner: runner, output: output, outputFolder: outputFolder,
                                  progress: meta.progressToken.map { ProgressReporter(token: $0, send: send) }, log: log, version: version)
        let run: @Sendable () async -> JSONValue? = {
            let started = ContinuousClock.now
            var result: ToolResult
            do throws(ResponseError) {
                result = try await tool.call(try Params(arguments), context: context)
                log(.debug, "done in \(ContinuousClock.now - started)")
            } catch {
                result = ToolResult(error: error)
                log(error.code == .requestCancelled ? .debug : .error, error.message)
            }
            switch runner.cancelReason(of: id) {
            case .cancelled?, .clientGone?:
                log(.debug, "cancelled; no response is sent")
                return nil
            case .signal?:
                return ToolResult([.text("The call was cancelled: the server is stopping.")], isError: true).json(for: version)
            case nil:
                return result.json(for: version)
            }
        }
        let started = runner.start(id, run: run, answer: { result in
            if let result { self.reply(id, result, in: version) }
        })
        if !started { throw .invalidRequest("request id \(id) is already in flight") }
    }

    /// Opens the connection to the upstream ahead of the first tool call, as JSON-RPC mode's
    /// `initialize` does (it is that method, called once).
    private func preconnect() {
        guard preconnected.withLock({ done in defer { done = true }; return !done }) else { return }
        let runner = self.runner
        guard let initialize = runner.method(named: "initialize") else { return }
        let context = runner.context(for: .string("preconnect"), output: DiscardingSink())
        Task.detached { _ = await runner.invoke(initialize, params: nil, context: context, inFlight: false) }
    }

    // MARK: - Ending

    /// stdin ended: the client is gone, so the calls in flight are stopped and the process exits 0.
    public func endOfInput() {
        log.debug("end of input; stopping \(runner.outstanding) call(s) in flight")
        runner.cancelAll(reason: .cancelled)
        runner.endOfInput()
    }

    /// SIGINT/SIGTERM: every call in flight is answered as cancelled (up to `grace` seconds), then
    /// the process exits with 128 + the signal number.
    public func terminate(signal: Int32, grace: Double = 3) {
        runner.terminate(signal: signal, writer: writer, grace: grace)
    }

    /// Blocks until the process should exit; returns the exit code.
    public func waitForExit() -> Int32 { runner.waitForExit() }
}
