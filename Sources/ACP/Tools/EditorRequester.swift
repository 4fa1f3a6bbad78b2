import JSONRPC
import Server

/// The agent loop's requests to its client, answered in ACP's terms: `tool.approve` becomes
/// `session/request_permission` (allow once, allow always, reject; "always" is remembered for the
/// session and tool), `tool.execute` of the editor's file tools becomes `fs/read_text_file` or
/// `fs/write_text_file`, `run_command` becomes `terminal/*`. Paths are confined to the session's
/// folders; a write is shown as a diff, a command as its terminal, and both ask permission unless
/// the user allowed that tool "always".
struct EditorRequester: ClientRequester {
    let session: ACPSession
    let client: ClientCapabilities
    /// The editor, as a peer the daemon sends requests to.
    let peer: ClientPeer
    let updates: SessionUpdates

    func request(_ method: String, _ params: JSONValue) async throws -> JSONValue {
        switch method {
        case "tool.approve":
            let name = params["name"]?.stringValue ?? ""
            let call: [(String, JSONValue)] = [
                ("title", .string(EditorTools.title(name: name, server: params["server"]?.stringValue, arguments: params["arguments"]))),
                ("kind", .string(EditorTools.kind(of: name))), ("rawInput", params["arguments"] ?? .null),
            ]
            return ["approved": .bool(try await permitted(name, callID: params["call_id"]?.stringValue ?? "", call))]
        case "tool.execute":
            let callID = params["call_id"]?.stringValue ?? ""
            let arguments = params["arguments"] ?? [:]
            switch params["name"]?.stringValue {
            case EditorTools.read?: return try await read(arguments)
            case EditorTools.write?: return try await write(arguments, callID: callID)
            case EditorTools.run?: return try await run(arguments, callID: callID)
            default: throw ResponseError(.methodNotFound, "the editor runs no tool named \(params["name"]?.stringValue ?? "")")
            }
        default:
            throw ResponseError.methodNotFound(method)
        }
    }

    // MARK: - Files

    private func read(_ arguments: JSONValue) async throws -> JSONValue {
        let path = try confined(arguments["path"], mayBeNew: false)
        var params = JSONObject([("sessionId", .string(session.id)), ("path", .string(path))])
        for key in ["line", "limit"] {
            if let number = arguments[key]?.intValue, number > 0 { params[key] = .number(JSONNumber(number)) }
        }
        let result = try await peer.request("fs/read_text_file", .object(params))
        return ["content": .string(result["content"]?.stringValue ?? "")]
    }

    private func write(_ arguments: JSONValue, callID: String) async throws -> JSONValue {
        let path = try confined(arguments["path"], mayBeNew: true)
        guard let content = arguments["content"]?.stringValue else {
            throw ResponseError.invalidParams(field: "content", "is required: the file's whole new content")
        }
        let old = try await currentText(path)
        let diff: JSONValue = [["type": "diff", "path": .string(path), "oldText": old.map(JSONValue.string) ?? .null,
                                "newText": .string(content)]]
        let fields: [(String, JSONValue)] = [("content", diff), ("locations", [["path": .string(path)]])]
        updates.toolCall(callID, fields)
        let call = [("title", JSONValue.string("Write \(path)")), ("kind", "edit")] + fields
        guard try await permitted(EditorTools.write, callID: callID, call) else {
            return ["content": .string("The user refused this write: \(path) was not changed."), "is_error": true]
        }
        _ = try await peer.request("fs/write_text_file", ["sessionId": .string(session.id), "path": .string(path), "content": .string(content)])
        let lines = content.split(separator: "\n", omittingEmptySubsequences: true).count
        return ["content": .string("Wrote \(path) (\(lines) line\(lines == 1 ? "" : "s")).")]
    }

    // MARK: - Terminal

    /// Runs a program in a terminal of the editor's, once the user allowed it: the terminal is
    /// shown in the call, waited for, read and released (killed first when the prompt is
    /// cancelled while it runs).
    private func run(_ arguments: JSONValue, callID: String) async throws -> JSONValue {
        guard let command = arguments["command"]?.stringValue, !command.isEmpty else {
            throw ResponseError.invalidParams(field: "command", "is required: the program to run")
        }
        let args = (arguments["args"]?.arrayValue ?? []).compactMap(\.stringValue)
        let cwd = try confined(arguments["cwd"] ?? .string(session.cwd), mayBeNew: false)
        let call: [(String, JSONValue)] = [("title", .string(EditorTools.title(name: EditorTools.run, server: nil, arguments: arguments))),
                                           ("kind", "execute"), ("rawInput", arguments)]
        guard try await permitted(EditorTools.run, callID: callID, call) else {
            return ["content": "The user refused to run this command.", "is_error": true]
        }
        let created = try await peer.request("terminal/create", .object(JSONObject([
            ("sessionId", .string(session.id)), ("command", .string(command)), ("args", .array(args.map(JSONValue.string))),
            ("cwd", .string(cwd)), ("outputByteLimit", .number(JSONNumber(EditorTools.outputLimit))),
        ])))
        guard let terminal = created["terminalId"]?.stringValue else {
            throw ResponseError(.internalError, "the editor's terminal/create answered without a terminalId")
        }
        updates.toolCall(callID, [("content", [["type": "terminal", "terminalId": .string(terminal)]])])
        let ids: JSONValue = ["sessionId": .string(session.id), "terminalId": .string(terminal)]
        do {
            let exit = try await peer.request("terminal/wait_for_exit", ids)
            let output = try await peer.request("terminal/output", ids)
            _ = try? await peer.request("terminal/release", ids)
            let status = exit["exitCode"]?.intValue.map { "exit code \($0)" } ?? exit["signal"]?.stringValue.map { "killed by \($0)" } ?? "ended"
            let cut = output["truncated"]?.boolValue == true ? " (the start of its output was cut)" : ""
            return ["content": .string("\(command) \(status)\(cut):\n\(output["output"]?.stringValue ?? "")"),
                    "is_error": .bool(exit["exitCode"]?.intValue != 0)]
        } catch {
            // A cancelled prompt's requests are withdrawn at once: the kill and the release go
            // out on their own.
            let peer = self.peer
            Task.detached {
                _ = try? await peer.request("terminal/kill", ids)
                _ = try? await peer.request("terminal/release", ids)
            }
            throw error
        }
    }

    /// The file's text as the editor has it; nil when it cannot read it (a new file).
    private func currentText(_ path: String) async throws -> String? {
        guard client.readTextFile else { return nil }
        do {
            return try await peer.request("fs/read_text_file", ["sessionId": .string(session.id), "path": .string(path)])["content"]?.stringValue
        } catch is ResponseError {
            return nil
        }
    }

    /// `path` made absolute (relative to the session's working directory) and checked against
    /// the session's folders by the read policy (symbolic links followed).
    /// - Parameter mayBeNew: a path that does not exist yet is allowed (a new file), judged by
    ///   where it would be.
    private func confined(_ value: JSONValue?, mayBeNew: Bool) throws(ResponseError) -> String {
        guard let path = value?.stringValue, !path.isEmpty else { throw .invalidParams(field: "path", "is required: a file path") }
        let absolute = path.hasPrefix("/") ? path : session.cwd + "/" + path
        do throws(ResponseError) {
            _ = try session.fileAccess.check(absolute, field: "path")
        } catch where mayBeNew && error.data?["reason"]?.stringValue == "not_found" {
            // The policy refused nothing: the file is new.
        }
        return absolute
    }

    // MARK: - Permission

    /// Asks the user whether call `callID` of tool `name` may run, unless they allowed it
    /// "always" in this session.
    private func permitted(_ name: String, callID: String, _ call: [(String, JSONValue)]) async throws -> Bool {
        if session.isAlwaysAllowed(name) { return true }
        let options: JSONValue = [
            ["optionId": "allow_once", "name": "Allow", "kind": "allow_once"],
            ["optionId": "allow_always", "name": .string("Always allow \(name)"), "kind": "allow_always"],
            ["optionId": "reject_once", "name": "Reject", "kind": "reject_once"],
        ]
        let answer = try await peer.request("session/request_permission", .object(JSONObject([
            ("sessionId", .string(session.id)),
            ("toolCall", .object(JSONObject([("toolCallId", .string(callID))] + call))),
            ("options", options),
        ])))
        guard answer["outcome"]?["outcome"]?.stringValue == "selected" else { return false }
        switch answer["outcome"]?["optionId"]?.stringValue {
        case "allow_always":
            session.allowAlways(name)
            return true
        case "allow_once": return true
        default: return false
        }
    }
}
