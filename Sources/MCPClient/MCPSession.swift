import FoundationEssentials
import JSONRPC
import Primitives

/// A JSON-RPC error answer from a server, before it becomes an `MCPClientError` (the era probe
/// looks at its code and data).
struct ErrorAnswer: Error {
    let code: Int
    let message: String
    let data: JSONValue?
}

/// One running connection to an MCP server: the protocol on top of a transport.
///
/// `open` finds the era (see `EraNegotiation`); `request` stamps the modern `_meta` on every
/// request, applies the time limit and turns error answers into `MCPClientError`s; a request
/// abandoned (its task cancelled, its time up) is announced with `notifications/cancelled`.
/// Messages the server sends on its own are handled here: progress goes to the call it belongs
/// to, `notifications/tools/list_changed` drops the cached tool list, log messages go to the log,
/// `ping` is answered and every other request refused with -32601 (no sampling, roots or
/// elicitation).
final class MCPSession: Sendable {
    let spec: MCPServerSpec
    let started = ContinuousClock.now
    let transport: any MCPTransport
    private let era = Locked<Era?>(nil)
    private let nextID = Locked(0)
    private let progress = Locked<[String: @Sendable (MCPProgress) -> Void]>([:])
    private let cachedTools = Locked<[MCPTool]?>(nil)
    private let log: @Sendable (String) -> Void
    private let clientInfo: JSONValue

    /// Made with the transport `makeTransport` builds around the session's message handler; `open`
    /// must follow.
    init(spec: MCPServerSpec, clientInfo: JSONValue, log: @escaping @Sendable (String) -> Void,
         makeTransport: (@escaping @Sendable (JSONValue) -> Void) throws -> any MCPTransport) throws {
        self.spec = spec
        self.clientInfo = clientInfo
        self.log = log
        let handler = WeakHandler()
        transport = try makeTransport { message in handler.session?.receive(message) }
        handler.session = self
    }

    var name: String { spec.name }
    var currentEra: Era? { era.current }

    /// Finds the era and gets the session ready for requests.
    func open() async throws {
        let found = try await EraNegotiation(session: self).run()
        adopt(found)
        if case .legacy = found {
            try await transport.notify(OutgoingMessage.notification("notifications/initialized", [:]))
        }
        log("MCP server \"\(name)\" ready (protocol \(found.version))")
    }

    func adopt(_ found: Era) {
        era.withLock { $0 = found }
        transport.adopt(found)
    }

    func close() {
        transport.close()
    }

    /// The modern `_meta` of every request.
    func modernMeta(_ version: String) -> JSONObject {
        [ProtocolRevision.versionKey: .string(version), ProtocolRevision.capabilitiesKey: [:],
         ProtocolRevision.clientInfoKey: clientInfo]
    }

    var clientInfoValue: JSONValue { clientInfo }

    // MARK: - Requests

    /// Sends `method` and returns its result.
    /// - Parameters:
    ///   - meta: extra `_meta` members (a progress token); under the modern revision the
    ///     version, capabilities and client info are added.
    ///   - timeout: nil for the spec's `timeoutSeconds`.
    /// - Throws: `ErrorAnswer`, `MCPClientError`, `CancellationError`.
    func request(_ method: String, _ params: JSONObject = [:], meta: JSONObject = [:], name toolName: String? = nil,
                 timeout: Double? = nil) async throws -> JSONObject {
        do {
            return try await send(method, params, meta: meta, toolName: toolName, timeout: timeout)
        } catch is SessionExpired where method != "initialize" {
            log("MCP server \"\(name)\" no longer knows the session (HTTP 404); opening a new one")
            try await open()
            do {
                return try await send(method, params, meta: meta, toolName: toolName, timeout: timeout)
            } catch is SessionExpired {
                throw MCPClientError(.unavailable, "MCP server \"\(name)\" forgot the new session at once (HTTP 404)")
            }
        }
    }

    private func send(_ method: String, _ params: JSONObject, meta: JSONObject, toolName: String?, timeout: Double?) async throws -> JSONObject {
        let id = nextID.withLock { id in
            id += 1
            return id
        }
        var params = params
        var allMeta = meta
        if case .modern(let version)? = era.current {
            for (key, value) in modernMeta(version) { allMeta[key] = value }
        }
        if !allMeta.isEmpty { params["_meta"] = .object(allMeta) }
        let message = JSONValue.object(JSONObject([("jsonrpc", "2.0"), ("id", .number(id)), ("method", .string(method)),
                                                   ("params", .object(params))]))
        let answer = try await exchange(OutgoingRequest(id: id, method: method, message: message, name: toolName),
                                        timeout: timeout ?? spec.timeoutSeconds)
        if let error = answer["error"] {
            throw ErrorAnswer(code: error["code"]?.intValue ?? 0, message: error["message"]?.stringValue ?? "(no message)",
                              data: error["data"])
        }
        guard let result = answer["result"]?.objectValue else {
            throw MCPClientError(.protocolViolation, "MCP server \"\(name)\" answered \(method) with a result that is not an object")
        }
        return result
    }

    /// Thrown inside `exchange` when the time limit ran out.
    private struct TimedOut: Error {}

    private func exchange(_ request: OutgoingRequest, timeout: Double) async throws -> JSONValue {
        let transport = self.transport
        do {
            return try await withThrowingTaskGroup(of: JSONValue.self) { group in
                group.addTask { try await transport.exchange(request) }
                group.addTask {
                    try await Task.sleep(for: .seconds(timeout))
                    throw TimedOut()
                }
                defer { group.cancelAll() }
                return try await group.next()!
            }
        } catch is TimedOut {
            abandon(request, reason: "timed out after \(timeout.formatted(places: 0)) s")
            throw MCPClientError(.timeout, "MCP server \"\(name)\" did not answer \(request.method) within \(timeout.formatted(places: 0)) s")
        } catch is CancellationError {
            abandon(request, reason: "cancelled by the client")
            throw CancellationError()
        } catch let error as MCPClientError where error.kind == .timeout {
            abandon(request, reason: "timed out")
            throw error
        }
    }

    /// Tells the server an abandoned request is no longer wanted (not the handshake's: the
    /// specification forbids cancelling those).
    private func abandon(_ request: OutgoingRequest, reason: String) {
        guard transport.announcesCancellation, request.method != "initialize", request.method != "server/discover" else { return }
        transport.post(OutgoingMessage.notification("notifications/cancelled", ["requestId": .number(request.id), "reason": .string(reason)]))
    }

    // MARK: - Tools

    /// Every page of `tools/list`, cached until the server says the list changed; `timeout`
    /// limits each page's request.
    func tools(timeout: Double) async throws -> [MCPTool] {
        if let cached = cachedTools.current { return cached }
        var tools: [MCPTool] = []
        var cursor: JSONValue?
        var seenCursors: Set<String> = []
        repeat {
            var params = JSONObject()
            if let cursor { params["cursor"] = cursor }
            let page = try await request("tools/list", params, timeout: timeout)
            guard let listed = page["tools"]?.arrayValue else {
                throw MCPClientError(.protocolViolation, "MCP server \"\(name)\" answered tools/list without a tools array")
            }
            tools += listed.compactMap(Self.tool)
            cursor = page["nextCursor"].flatMap { $0.isNull ? nil : $0 }
            if let text = cursor?.stringValue ?? cursor.map(\.jsonText), !seenCursors.insert(text).inserted {
                throw MCPClientError(.protocolViolation, "MCP server \"\(name)\" repeated the tools/list cursor \(text)")
            }
        } while cursor != nil
        cachedTools.withLock { $0 = tools }
        return tools
    }

    private static func tool(_ value: JSONValue) -> MCPTool? {
        guard let name = value["name"]?.stringValue else { return nil }
        let schema = value["inputSchema"].flatMap { $0.objectValue == nil ? nil : $0 } ?? ["type": "object"]
        return MCPTool(name: name, description: value["description"]?.stringValue ?? "", inputSchema: schema)
    }

    /// Calls `tool`; progress reports go to `onProgress`; `timeout` limits the call.
    func call(_ tool: String, arguments: JSONObject, timeout: Double,
              onProgress: @escaping @Sendable (MCPProgress) -> Void) async throws -> MCPToolResult {
        let token = "switchboard-\(UUID().uuidString.lowercased())"
        progress.withLock { $0[token] = onProgress }
        defer { progress.withLock { _ = $0.removeValue(forKey: token) } }
        let result = try await request("tools/call", ["name": .string(tool), "arguments": .object(arguments)],
                                       meta: ["progressToken": .string(token)], name: tool, timeout: timeout)
        if let kind = result["resultType"]?.stringValue, kind != "complete" {
            throw MCPClientError(.protocolViolation, "MCP server \"\(name)\" answered tools/call \(tool) with resultType \(kind), "
                + "which needs input this client cannot give")
        }
        return ToolResultText.make(result)
    }

    // MARK: - Messages from the server

    private func receive(_ message: JSONValue) {
        let method = message["method"]?.stringValue
        let params = message["params"]
        if let id = message["id"].flatMap(RequestID.init) {
            guard let method else { return log("MCP server \"\(name)\" answered request \(id), which is no longer waiting") }
            let reply: JSONValue = method == "ping"
                ? OutgoingMessage.result(id: id, [:])
                : OutgoingMessage.error(id: id, .methodNotFound(method))
            return transport.post(reply)
        }
        switch method {
        case "notifications/progress":
            guard let token = params?["progressToken"], let value = params?["progress"]?.doubleValue else { return }
            let key = token.stringValue ?? token.jsonText
            let handler = progress.withLock { $0[key] }
            handler?(MCPProgress(progress: value, total: params?["total"]?.doubleValue, message: params?["message"]?.stringValue))
        case "notifications/tools/list_changed":
            cachedTools.withLock { $0 = nil }
            log("MCP server \"\(name)\": its tool list changed")
        case "notifications/message":
            let level = params?["level"]?.stringValue ?? "info"
            let data = params?["data"].map { $0.stringValue ?? $0.jsonText } ?? ""
            log("mcp \(name): \(level): \(data.prefix(2000))")
        default:
            break
        }
    }
}

/// The session a transport's inbound closure reaches, set once the session exists (weakly: the
/// session holds the transport, which holds the closure).
private final class WeakHandler: Sendable {
    private final class Reference {
        weak var session: MCPSession?
    }

    private let reference = Locked(Reference())

    var session: MCPSession? {
        get { reference.withLock { $0.session } }
        set { reference.withLock { $0.session = newValue } }
    }
}
