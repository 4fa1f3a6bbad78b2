import JSONRPC

/// `agent.run`: a chat that may use tools. Each turn is a `chat.complete` call (streamed as
/// `chat.delta` when `stream` is true) offered the client's `tools` and those of the chosen MCP
/// servers; the tools the model calls are run (see `ToolCallRunner`) and their results sent back,
/// until the model answers without calling any or `max_turns` turns were taken. The result is the
/// last turn's `chat.completion` with `messages` (all the run added), `turns`, the summed `usage`
/// and, when the limit ended it, `stopped: "max_turns"`.
struct AgentRun: RPCMethod {
    static let name = "agent.run"
    static let execution = Execution.concurrent

    /// The params that are the run's, not the chat API's.
    static let ownParams = ["tools", "mcp_servers", "approval", "max_turns", "tool_images"]
    /// The most turns a run may ask for.
    static let turnLimit = 100

    func call(_ params: Params, context: RequestContext) async throws -> JSONValue {
        let policy = try ApprovalPolicy(try params.string("approval"))
        let maxTurns = try params.int("max_turns") ?? 10
        guard (1...Self.turnLimit).contains(maxTurns) else {
            throw ResponseError.invalidParams(field: "max_turns", "must be a whole number from 1 to \(Self.turnLimit)")
        }
        let parallel = try params.bool("parallel_tool_calls") ?? true
        if let choices = try params.int("n"), choices != 1 {
            throw ResponseError.invalidParams(field: "n", "must be 1 (or left out): a run follows one answer")
        }
        let toolImages = try params.bool("tool_images") ?? true
        let serverNames = try params.strings("mcp_servers")
        let clientTools = try params.array("tools") ?? []
        let request = try await ChatRequest(params, context: context, ownParams: Self.ownParams)
        let servers = try AgentToolbox.servers(named: serverNames, in: request.settings.mcpServers, field: "mcp_servers")
        let toolbox = try await AgentToolbox.make(clientTools: clientTools, servers: servers, source: context.toolSource)
        for (name, error) in toolbox.unavailable { context.log.warn("request \(context.id): MCP server \(name) left out: \(error)") }

        var body = request.body
        if toolbox.tools.isEmpty {
            body["parallel_tool_calls"] = nil
        } else {
            body["tools"] = .array(toolbox.definitions)
        }
        var run = AgentProgress(messages: body["messages"]?.arrayValue ?? [], unavailable: toolbox.unavailable)
        let chat = try await ChatRunner(context: context, settings: request.settings)
        let tools = ToolCallRunner(context: context, toolbox: toolbox, policy: policy)
        // A stored conversation keeps every message the run added (tool calls and results too).
        return try await request.storing(replies: { $0?["messages"]?.arrayValue ?? [] }) {
            try await loop(&run, body: body, maxTurns: maxTurns, chat: chat, tools: tools, request: request,
                           parallel: parallel, toolImages: toolImages, context: context)
        }
    }

    /// The turns of a run, until the model calls no tool or `maxTurns` is reached.
    private func loop(_ run: inout AgentProgress, body: JSONObject, maxTurns: Int, chat: ChatRunner, tools: ToolCallRunner,
                      request: ChatRequest, parallel: Bool, toolImages: Bool, context: RequestContext) async throws -> JSONValue {
        var body = body
        for turn in 1...maxTurns {
            body["messages"] = .array(run.conversation)
            let completion = try await run.step(turn) { try await chat.run(body, relayWholeAnswer: request.relayWholeAnswer) }
            let message = completion["choices"]?[0]?["message"] ?? ["role": "assistant", "content": .null]
            run.add(message)
            let calls = message["tool_calls"]?.arrayValue ?? []
            guard !calls.isEmpty else { return run.result(completion, turns: turn, stopped: nil) }
            guard turn < maxTurns else {
                run.add(calls.map { Self.notRun($0, maxTurns: maxTurns, context: context) })
                return run.result(completion, turns: turn, stopped: "max_turns")
            }
            let outcomes = try await run.step(turn) { try await tools.run(calls, parallel: parallel) }
            run.add(outcomes.map(\.message))
            let images = outcomes.flatMap(\.images)
            if !images.isEmpty {
                run.add(toolImages ? Self.imageMessage(images) : ["role": "user", "content": .string("[the tools returned \(images.count) image(s), not shown: tool_images is false]")])
            }
        }
        fatalError("unreachable: the last turn returns")
    }

    /// The `tool` message for a call the run's turn limit left unrun (the conversation stays
    /// valid: every call has its answer), announced `cancelled`.
    private static func notRun(_ call: JSONValue, maxTurns: Int, context: RequestContext) -> JSONValue {
        let text = "Not run: the run reached its limit of \(maxTurns) turns."
        var params = JSONObject([("id", context.id.json), ("request_id", context.id.json), ("call_id", call["id"] ?? ""),
                                 ("name", call["function"]?["name"] ?? ""), ("arguments", call["function"]?["arguments"] ?? "")])
        params["status"] = "cancelled"
        params["result"] = .string(text)
        context.notify("tool.call", .object(params))
        return ToolCallRunner.message(for: call, text)
    }

    /// The images of a turn's results, shown to the model in a user message (a `tool` message
    /// carries text only).
    private static func imageMessage(_ images: [JSONValue]) -> JSONValue {
        ["role": "user", "content": .array([["type": "text", "text": "The tools returned these images:"]] + images)]
    }
}

/// What an agent run has so far: the conversation sent to the model, the messages the run added,
/// the summed usage; and the partial result an error carries.
struct AgentProgress {
    private(set) var conversation: [JSONValue]
    private(set) var added: [JSONValue] = []
    private var usage = UsageTotal()
    let unavailable: [(name: String, error: String)]

    init(messages: [JSONValue], unavailable: [(name: String, error: String)]) {
        conversation = messages
        self.unavailable = unavailable
    }

    mutating func add(_ message: JSONValue) {
        conversation.append(message)
        added.append(message)
    }

    mutating func add(_ messages: [JSONValue]) {
        messages.forEach { add($0) }
    }

    /// Runs one step of turn `turn`; an error it throws carries the run so far as `data.partial`
    /// (`AgentRunPartial`: on a model turn, the turn's own partial answer as `completion`; on a
    /// turn's tool calls cut short, their `tool` messages, cancelled ones saying so).
    mutating func step<T>(_ turn: Int, _ body: () async throws -> T) async throws -> T {
        do {
            let value = try await body()
            if let completion = value as? JSONValue { usage.add(completion["usage"]) }
            return value
        } catch {
            var underlying = error, completion: JSONValue?
            if let carried = error as? PartialOutputError {
                underlying = carried.underlying
                completion = carried.partial
            }
            if let cut = error as? ToolCallRunner.CutShort {
                add(cut.messages)
                underlying = cut.underlying
            }
            var partial = JSONObject([("messages", .array(added)), ("turns", .number(JSONNumber(turn)))])
            if let total = usage.total { partial["usage"] = .object(total) }
            if let completion, !completion.isNull { partial["completion"] = completion }
            throw PartialOutputError(underlying, partial: .object(partial))
        }
    }

    /// The run's result: `completion`'s members, then `messages`, `turns`, `usage` and `stopped`.
    func result(_ completion: JSONValue, turns: Int, stopped: String?) -> JSONValue {
        var result = completion.objectValue ?? JSONObject()
        result["messages"] = .array(added)
        result["turns"] = .number(JSONNumber(turns))
        result["usage"] = usage.total.map(JSONValue.object) ?? .null
        if let stopped { result["stopped"] = .string(stopped) }
        if !unavailable.isEmpty {
            result["unavailable_servers"] = .array(unavailable.map { ["name": .string($0.name), "error": .string($0.error)] })
        }
        return .object(result)
    }
}
