import JSONRPC
import Transport

/// One prompt's `session/update` notifications, on the prompt's own share of the output (its
/// flow control).
struct SessionUpdates: Sendable {
    let sessionID: String
    let output: RequestOutput

    /// Sends `update` (`{"sessionUpdate": …, …}`) for the session.
    func send(_ update: JSONObject) {
        output.notify("session/update", .object(JSONObject([("sessionId", .string(sessionID)), ("update", .object(update))])))
    }

    /// An `agent_message_chunk` (or with `thought`, an `agent_thought_chunk`) of text.
    func text(_ text: String, thought: Bool = false) {
        send(JSONObject([("sessionUpdate", .string(thought ? "agent_thought_chunk" : "agent_message_chunk")),
                         ("content", ["type": "text", "text": .string(text)])]))
    }

    /// A `tool_call_update` of call `id` with the `fields` given.
    func toolCall(_ id: String, _ fields: [(String, JSONValue)]) {
        send(JSONObject([("sessionUpdate", "tool_call_update"), ("toolCallId", .string(id))] + fields))
    }
}

/// The notifications of the agent loop a prompt runs, as ACP's `session/update`s: `chat.delta`
/// text (and a refusal's) as `agent_message_chunk`, its reasoning as `agent_thought_chunk`, `tool.call` as
/// `tool_call` (when announced) and `tool_call_update` (ACP's statuses: pending, in_progress,
/// completed, failed — a denied or cancelled call is failed, its text saying why).
struct PromptNotifications: NotificationSink {
    let updates: SessionUpdates
    /// The session's working directory: a call's location is given as an absolute path.
    let cwd: String

    func notify(_ method: String, _ params: JSONValue) {
        switch method {
        case "chat.delta": delta(params)
        case "tool.call": toolCall(params)
        default: break
        }
    }

    func waitForRoom() async throws { try await updates.output.waitForRoom() }
    var hasRoom: Bool { updates.output.hasRoom }
    func batched<T>(_ body: () throws -> T) rethrows -> T { try updates.output.batched(body) }

    private func delta(_ params: JSONValue) {
        guard (params["index"]?.intValue ?? 0) == 0, let delta = params["delta"] else { return }
        for key in ["reasoning_content", "reasoning"] {
            if let thought = delta[key]?.stringValue, !thought.isEmpty { updates.text(thought, thought: true) }
        }
        for key in ["content", "refusal"] {
            if let text = delta[key]?.stringValue, !text.isEmpty { updates.text(text) }
        }
    }

    private func toolCall(_ params: JSONValue) {
        let id = params["call_id"]?.stringValue ?? ""
        let name = params["name"]?.stringValue ?? ""
        let arguments = params["arguments"]
        let result: [(String, JSONValue)] = params["result"]?.stringValue.map { [("content", Self.textContent($0))] } ?? []
        switch params["status"]?.stringValue {
        case "pending":
            updates.send(Self.announcement(id, name: name, server: params["server"]?.stringValue, arguments: arguments,
                                           status: "pending", cwd: cwd))
        case "running":
            // Progress reports of an MCP call come as more `running`s: said once is enough.
            if params["progress"] == nil { updates.toolCall(id, [("status", "in_progress")]) }
        case "completed":
            // A write keeps the diff it showed, a command its terminal.
            updates.toolCall(id, [("status", "completed")] + (EditorTools.showsOwnContent(name) ? [] : result))
        default:
            updates.toolCall(id, [("status", "failed")] + result)
        }
    }

    /// The `tool_call` update announcing call `id` of tool `name`: its title, kind, status, the
    /// file it touches (absolute, from `cwd`) and its arguments.
    static func announcement(_ id: String, name: String, server: String?, arguments: JSONValue?, status: String, cwd: String) -> JSONObject {
        var update = JSONObject([
            ("sessionUpdate", "tool_call"), ("toolCallId", .string(id)),
            ("title", .string(EditorTools.title(name: name, server: server, arguments: arguments))),
            ("kind", .string(EditorTools.kind(of: name))), ("status", .string(status)),
        ])
        if let path = arguments?["path"]?.stringValue, !path.isEmpty {
            update["locations"] = [["path": .string(path.hasPrefix("/") ? path : cwd + "/" + path)]]
        }
        if let arguments { update["rawInput"] = arguments }
        return update
    }

    /// `[{"type": "content", "content": {"type": "text", "text": …}}]`.
    static func textContent(_ text: String) -> JSONValue {
        [["type": "content", "content": ["type": "text", "text": .string(text)]]]
    }
}
