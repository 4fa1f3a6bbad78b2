import Primitives
import JSONRPC
import MCPClient

/// Runs the tool calls of one model turn: each is announced (`tool.call` notifications through
/// pending, running and its end), approved as the policy says, run by its MCP server or by the
/// client (`tool.execute`), and answered to the model with a `tool` message. Nothing a model
/// writes reaches further than the tool it names: the arguments go to that tool only, a tool it
/// names that was not offered is refused, and no file is read on its behalf.
struct ToolCallRunner: Sendable {
    let context: RequestContext
    let toolbox: AgentToolbox
    let policy: ApprovalPolicy

    /// The end of one call: the `tool` message for the model, and images to show it after.
    struct Outcome: Sendable {
        let message: JSONValue
        let images: [JSONValue]
    }

    /// A turn's calls cut short by the run's cancellation: the `tool` messages of every call,
    /// those that ended with their result, the others saying they were cancelled.
    struct CutShort: Error {
        let underlying: any Error
        let messages: [JSONValue]
    }

    /// Runs `calls` (the assistant message's `tool_calls`), all at once unless `parallel` is
    /// false; outcomes come in the calls' order.
    /// - Throws: `CutShort` when the run is cancelled (the calls still running are announced
    ///   `cancelled`, their MCP requests and client requests withdrawn).
    func run(_ calls: [JSONValue], parallel: Bool) async throws -> [Outcome] {
        var outcomes = [Outcome?](repeating: nil, count: calls.count)
        do {
            if parallel, calls.count > 1 {
                try await withThrowingTaskGroup(of: (Int, Outcome).self) { group in
                    for (index, call) in calls.enumerated() {
                        group.addTask { (index, try await run(call)) }
                    }
                    for try await (index, outcome) in group { outcomes[index] = outcome }
                }
            } else {
                for (index, call) in calls.enumerated() { outcomes[index] = try await run(call) }
            }
            return outcomes.map { $0! }
        } catch {
            let messages = zip(calls, outcomes).map { call, outcome in
                outcome?.message ?? Self.message(for: call, "Cancelled: the run was cancelled before this call ended.")
            }
            throw CutShort(underlying: error, messages: messages)
        }
    }

    /// The `tool` message answering `call` with `text`.
    static func message(for call: JSONValue, _ text: String) -> JSONValue {
        .object(JSONObject([("role", "tool"), ("tool_call_id", call["id"] ?? ""), ("content", .string(text))]))
    }

    /// Runs one call to its end.
    func run(_ call: JSONValue) async throws -> Outcome {
        let callID = call["id"]?.stringValue ?? ""
        let name = call["function"]?["name"]?.stringValue ?? ""
        let rawArguments = call["function"]?["arguments"]?.stringValue ?? ""
        let tool = toolbox.tool(named: name)
        let arguments = Self.arguments(rawArguments)
        let announce = Announcer(context: context, callID: callID, name: name, server: tool?.serverName,
                                 arguments: arguments.map(JSONValue.object) ?? .string(rawArguments))
        announce.status("pending")
        guard let tool else {
            return announce.end(ToolOutput(text: "There is no tool named \"\(name)\". Tools available: "
                                               + toolbox.tools.map(\.name).joined(separator: ", "), isError: true), status: "failed")
        }
        guard let arguments else {
            return announce.end(ToolOutput(text: "The arguments are not a JSON object: \(rawArguments.prefix(200))", isError: true), status: "failed")
        }
        do {
            switch tool.runner {
            case .mcp(let server, let mcpName):
                if let refusal = try await approve(server: server, announce: announce) { return refusal }
                announce.status("running")
                guard let source = context.toolSource else { throw MCPClientError(.unavailable, "MCP servers are not available in this mode") }
                let result = try await source.call(mcpName, arguments: arguments, on: server) { progress in
                    announce.status("running", progress: progress)
                }
                return announce.end(result, status: result.isError ? "failed" : "completed")
            case .client:
                announce.status("running")
                let result = try await execute(announce: announce)
                return announce.end(result, status: result.isError ? "failed" : "completed")
            }
        } catch is CancellationError {
            announce.status("cancelled")
            throw CancellationError()
        } catch let error as ResponseError {
            return announce.end(ToolOutput(text: "The tool could not be run: \(error.message)", isError: true), status: "failed")
        } catch let error as MCPClientError {
            return announce.end(ToolOutput(text: "The tool failed: \(error.message)", isError: true), status: "failed")
        } catch {
            return announce.end(ToolOutput(text: "The tool failed: \(error)", isError: true), status: "failed")
        }
    }

    /// nil when the call may run; otherwise the call's end, refused.
    private func approve(server: MCPServerSpec, announce: Announcer) async throws -> Outcome? {
        if server.trust || policy == .auto { return nil }
        if policy == .deny {
            return announce.end(ToolOutput(text: "The call was refused: this run allows no calls to \(server.name)'s tools.", isError: true),
                                status: "denied")
        }
        guard let peer = context.peer else {
            return announce.end(ToolOutput(text: "The call was refused: approval cannot be asked here.", isError: true), status: "denied")
        }
        let answer = try await peer.request("tool.approve", announce.params(server: server.name))
        guard answer["approved"]?.boolValue == true else {
            return announce.end(ToolOutput(text: "The user did not approve this call.", isError: true), status: "denied")
        }
        return nil
    }

    private func execute(announce: Announcer) async throws -> ToolOutput {
        guard let peer = context.peer else { throw ResponseError(.methodNotFound, "this client runs no tools") }
        return try ToolOutput(clientResult: try await peer.request("tool.execute", announce.params(server: nil)))
    }

    /// The model's arguments as an object ("" counts as no arguments); nil when they are not one.
    static func arguments(_ raw: String) -> JSONObject? {
        if raw.allSatisfy(\.isWhitespace) { return JSONObject() }
        return (try? JSONParser.parse(Array(raw.utf8)))?.objectValue
    }
}

/// The `tool.call` notifications of one call, and the params of the requests about it.
private struct Announcer: Sendable {
    let context: RequestContext
    let callID: String
    let name: String
    let server: String?
    let arguments: JSONValue

    /// `{id, request_id, call_id, name, server?, arguments}`: `id` and `request_id` are both the
    /// agent run's request id (`request_id` as every other notification names it).
    func params(server: String?) -> JSONValue {
        var params = JSONObject([("id", context.id.json), ("request_id", context.id.json), ("call_id", .string(callID)), ("name", .string(name))])
        if let server { params["server"] = .string(server) }
        params["arguments"] = arguments
        return .object(params)
    }

    func status(_ status: String, result: String? = nil, progress: MCPProgress? = nil) {
        guard case .object(var params) = params(server: server) else { return }
        params["status"] = .string(status)
        if let result { params["result"] = .string(result) }
        if let progress {
            var report = JSONObject([("progress", .number(JSONNumber(progress.progress)))])
            if let total = progress.total { report["total"] = .number(JSONNumber(total)) }
            if let message = progress.message { report["message"] = .string(message) }
            params["progress"] = .object(report)
        }
        context.notify("tool.call", .object(params))
    }

    /// Announces the call's end and makes its `tool` message. Every secret the daemon knows is
    /// removed from the text first: a tool that reads a file holding the key never hands it to
    /// the model.
    func end(_ output: ToolOutput, status: String) -> ToolCallRunner.Outcome {
        var output = output
        output.text = context.secrets.scrub(output.text)
        self.status(status, result: output.text)
        return ToolCallRunner.Outcome(message: ToolCallRunner.message(for: ["id": .string(callID)], output.text), images: output.images)
    }

    func end(_ result: MCPToolResult, status: String) -> ToolCallRunner.Outcome {
        end(ToolOutput(mcpResult: result), status: status)
    }
}

