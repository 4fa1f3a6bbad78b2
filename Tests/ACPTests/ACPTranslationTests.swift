import JSONRPC
import Testing
@testable import ACP

/// How ACP's requests become the agent loop's input, and its results ACP's answers.
@Suite("ACP translation")
struct ACPTranslationTests {
    @Test func stopReasonsFollowTheRunsEnd() {
        func result(finish: String?, refusal: String? = nil, stopped: String? = nil) -> JSONValue {
            var message: JSONObject = ["role": "assistant", "content": "x"]
            if let refusal { message["refusal"] = .string(refusal) }
            var result: JSONObject = ["choices": [["message": .object(message), "finish_reason": finish.map(JSONValue.string) ?? .null]]]
            if let stopped { result["stopped"] = .string(stopped) }
            return .object(result)
        }
        #expect(PromptTurn.stopReason(result(finish: "stop")) == "end_turn")
        #expect(PromptTurn.stopReason(result(finish: "length")) == "max_tokens")
        #expect(PromptTurn.stopReason(result(finish: "content_filter")) == "refusal")
        #expect(PromptTurn.stopReason(result(finish: "stop", refusal: "no")) == "refusal")
        #expect(PromptTurn.stopReason(result(finish: "tool_calls", stopped: "max_turns")) == "max_turn_requests")
    }

    @Test func aTurnCutWhileItsToolsRanKeepsAValidConversation() {
        let answered: [JSONValue] = [
            ["role": "assistant", "tool_calls": [["id": "a"]]], ["role": "tool", "tool_call_id": "a", "content": "ok"],
        ]
        let cut: JSONValue = ["role": "assistant", "content": .null, "tool_calls": [["id": "b"]]]
        #expect(PromptTurn.complete(answered + [cut]) == answered)
        #expect(PromptTurn.complete(answered) == answered)
    }

    @Test func sessionMCPServersBecomeAConfigurationLayer() throws {
        let request = try SessionRequest([
            "cwd": "/work/project", "additionalDirectories": ["/work/shared"],
            "mcpServers": [
                ["name": "time", "command": "mcp-server-time", "args": ["--local-timezone", "UTC"], "env": [["name": "TZ", "value": "UTC"]]],
                ["type": "http", "name": "docs", "url": "https://mcp.example.com/mcp", "headers": [["name": "Authorization", "value": "Bearer t"]]],
            ],
        ])
        #expect(request.folders == ["/work/shared"])
        #expect(request.overlay == ["mcp_servers": [
            "time": ["command": "mcp-server-time", "args": ["--local-timezone", "UTC"], "env": ["TZ": "UTC"], "cwd": "/work/project"],
            "docs": ["url": "https://mcp.example.com/mcp", "headers": ["Authorization": "Bearer t"]],
        ]])
        #expect(try SessionRequest(["cwd": "/p", "mcpServers": []]).overlay == nil)
    }

    static let badSessionParams: [(JSONValue, String)] = [
        (["cwd": "relative", "mcpServers": []], "cwd"),
        (["cwd": "/p", "additionalDirectories": ["rel"], "mcpServers": []], "additionalDirectories.0"),
        (["cwd": "/p", "mcpServers": [["type": "sse", "name": "s", "url": "http://x", "headers": []]]], "mcpServers.0.type"),
        (["cwd": "/p", "mcpServers": [["name": "s", "command": "c", "args": [], "env": [["name": "A"]]]]], "mcpServers.0.env.0"),
    ]

    @Test(arguments: badSessionParams)
    func badSessionParamsNameTheField(params: JSONValue, field: String) {
        #expect(throws: ResponseError.self) { try SessionRequest(params) }
        do { _ = try SessionRequest(params) } catch { #expect(error.data?["field"] == .string(field)) }
    }

    @Test func promptBlocksBecomeOneUserMessage() throws {
        #expect(try PromptContent.userMessage([["type": "text", "text": "a"], ["type": "text", "text": "b"]])
            == ["role": "user", "content": "a\n\nb"])
        let mixed = try PromptContent.userMessage([
            ["type": "text", "text": "see"], ["type": "image", "data": "AAA=", "mimeType": "image/png"],
            ["type": "resource", "resource": ["uri": "file:///a.bin", "blob": "AA==", "mimeType": "application/octet-stream"]],
        ])
        #expect(mixed["content"]?[1] == ["type": "image_url", "image_url": ["url": "data:image/png;base64,AAA="]])
        #expect(mixed["content"]?[2]?["text"] == "[file:///a.bin: a binary resource (application/octet-stream), not shown]")
        #expect(throws: ResponseError.self) { try PromptContent.userMessage([["type": "audio", "data": "", "mimeType": "audio/wav"]]) }
        #expect(throws: ResponseError.self) { try PromptContent.userMessage([]) }
    }

    @Test func reasoningEffortIsOfferedWhereTheModelTakesIt() throws {
        let session = ACPSession(id: "s", cwd: "/p", folders: [], overlay: nil, models: ["gpt-4o", "gpt-5.1"], model: "gpt-4o")
        #expect(session.configOptions.arrayValue?.count == 1)
        try session.set("model", to: "gpt-5.1")
        let effort = session.configOptions[1]
        #expect(effort?["category"] == "thought_level")
        #expect(effort?["options"]?.arrayValue?.compactMap { $0["value"]?.stringValue } == ["default", "none", "low", "medium", "high"])
        try session.set("reasoning_effort", to: "high")
        #expect(session.effort == "high")
        // A model that takes no effort drops it.
        try session.set("model", to: "gpt-4o")
        #expect(session.effort == nil)
        #expect(throws: ResponseError.self) { try session.set("reasoning_effort", to: "low") }
        #expect(throws: ResponseError.self) { try session.set("model", to: "not-listed") }
    }

    @Test func theDefaultModelIsOfferedEvenWhenTheListLacksIt() {
        let session = ACPSession(id: "s", cwd: "/p", folders: [], overlay: nil, models: ["a", "b"], model: "local-model")
        #expect(session.models == ["local-model", "a", "b"])
    }
}

/// `session/list`'s `updatedAt`: ISO 8601 in UTC, from the store's milliseconds.
@Suite("ACP times")
struct ISOTimeTests {
    @Test func storeTimesBecomeISO8601() {
        #expect(ISOTime.string(milliseconds: 0) == "1970-01-01T00:00:00.000Z")
        #expect(ISOTime.string(milliseconds: 1_796_629_813_123) == "2026-12-07T07:50:13.123Z")
        #expect(ISOTime.string(milliseconds: 951_782_400_005) == "2000-02-29T00:00:00.005Z")
        #expect(ISOTime.string(milliseconds: 4_107_542_399_999) == "2100-02-28T23:59:59.999Z")
    }
}
