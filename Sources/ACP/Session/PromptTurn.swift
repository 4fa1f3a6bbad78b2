import JSONRPC
import Server
import Transport

/// One `session/prompt`: the agent loop (`agent.run`, the same loop JSON-RPC clients use) over
/// the session's conversation and the new user message, with the editor's file tools and the
/// session's MCP servers; its notifications become `session/update`s, its requests to the client
/// ACP's. Then the turn's messages are added to the conversation, and the answer is the
/// `stopReason`:
/// - `end_turn`: the model answered; also when the upstream failed mid-turn (the turn ends with a
///   message saying why, and the session goes on);
/// - `max_tokens`: the answer was cut at the token limit (`finish_reason` "length");
/// - `max_turn_requests`: `maxTurns` model turns were taken;
/// - `refusal`: the model refused (`refusal` text or `finish_reason` "content_filter"): the
///   prompt and the answer are not kept in the conversation, as ACP says;
/// - `cancelled`: `session/cancel` came (whatever the loop ended with).
struct PromptTurn: Sendable {
    /// The most model turns one prompt takes.
    static let maxTurns = 25

    let id: RequestID
    let session: ACPSession
    let client: ClientCapabilities
    let runner: MethodRunner
    let peer: ClientPeer
    let history: any SessionHistory
    let updates: SessionUpdates

    func run(_ prompt: [JSONValue]) async -> Result<JSONValue, ResponseError> {
        let user: JSONValue
        do { user = try PromptContent.userMessage(prompt) } catch { return .failure(error) }
        let tools = EditorTools.definitions(for: client)
        let requester = EditorRequester(session: session, client: client, peer: peer, updates: updates)
        let context = runner.context(for: id, output: PromptNotifications(updates: updates, cwd: session.cwd), requester: requester, overlay: session.overlay)
        let earlier: [JSONValue]
        do { earlier = try await history.messages(of: session.id, context: context) } catch {
            _ = session.end()
            return .failure(error)
        }
        var params = JSONObject([
            ("model", .string(session.model)), ("stream", true),
            ("messages", .array([system(tools: tools)] + earlier + [user])),
            ("max_turns", .number(JSONNumber(Self.maxTurns))),
        ])
        if !tools.isEmpty { params["tools"] = .array(tools) }
        if let effort = session.effort { params["reasoning_effort"] = .string(effort) }
        guard let agent = runner.method(named: "agent.run") else {
            _ = session.end()
            return .failure(.methodNotFound("agent.run"))
        }
        let outcome = await runner.invoke(agent, params: .object(params), context: context)
        let cancelled = session.end()
        switch outcome {
        case .success(let result):
            let stop = cancelled ? "cancelled" : Self.stopReason(result)
            if stop != "refusal" { await keep([user] + Self.complete(result["messages"]?.arrayValue ?? []), context: context) }
            return .success(["stopReason": .string(stop)])
        case .failure(let error):
            await keep([user] + Self.complete(error.data?["partial"]?["messages"]?.arrayValue ?? []), context: context)
            if cancelled || error.code == .requestCancelled { return .success(["stopReason": "cancelled"]) }
            runner.log.info("session \(session.id): the turn ended early: \(error.message)")
            updates.text("\n\n[The turn ended early: \(error.message)]")
            return .success(["stopReason": "end_turn"])
        }
    }

    /// Adds the turn's messages to the session's conversation.
    private func keep(_ messages: [JSONValue], context: RequestContext) async {
        await history.append(messages, to: session.id, cwd: session.cwd, model: session.model, context: context)
    }

    /// The system message: where the model works and what it may do there.
    private func system(tools: [JSONValue]) -> JSONValue {
        var text = "You are a coding agent working in the user's editor. The working directory is \(session.cwd)."
        if !tools.isEmpty {
            text += " Use the tools to read and change the project's files (paths relative to the working directory); the user approves each change."
        }
        return ["role": "system", "content": .string(text)]
    }

    /// ACP's stop reason for an agent run's result.
    static func stopReason(_ result: JSONValue) -> String {
        if result["stopped"] == "max_turns" { return "max_turn_requests" }
        let choice = result["choices"]?[0]
        if let refusal = choice?["message"]?["refusal"]?.stringValue, !refusal.isEmpty { return "refusal" }
        switch choice?["finish_reason"]?.stringValue {
        case "length": return "max_tokens"
        case "content_filter": return "refusal"
        default: return "end_turn"
        }
    }

    /// `messages` without a trailing assistant message whose tool calls have no answers (a turn
    /// cut short while its tools ran): the conversation stays one the API accepts.
    static func complete(_ messages: [JSONValue]) -> [JSONValue] {
        var messages = messages
        while let last = messages.last, last["role"] == "assistant", !(last["tool_calls"]?.arrayValue ?? []).isEmpty {
            messages.removeLast()
        }
        return messages
    }
}
