import Foundation
import JSONRPC
import Testing
import TestSupport

extension EndToEnd {
/// `agent.run` with tools the client runs (`tool.execute`): the loop, its limits, its faults.
@Suite("agent.run with client tools")
struct AgentRunTests {
    static let weather = FakeResponse.ToolCall(id: "call_1", name: "get_weather", arguments: #"{"city":"Paris"}"#)

    @Test func aStreamedToolCallIsExecutedByTheClientAndItsResultSentBack() throws {
        let harness = try Harness(responses: [.toolCallStream([Self.weather]), .chatStream(["Sunny", " in Paris"])])
        let run = try harness.daemon.agentRun(agentParams(extra: ["tools": [clientTool("get_weather")]])) { request in
            request["method"] == "tool.execute" ? ["content": "18 °C and sunny"] : nil
        }
        try harness.finish()

        let execute = try #require(run.requests.first)
        #expect(run.requests.count == 1)
        #expect(execute["method"] == "tool.execute")
        #expect(execute["id"]?.stringValue?.hasPrefix("sb-") == true, "the daemon's own ids")
        #expect(execute["params"]?["call_id"] == "call_1")
        #expect(execute["params"]?["name"] == "get_weather")
        #expect(execute["params"]?["arguments"] == ["city": "Paris"])
        #expect(execute["params"]?["request_id"] == 1)
        #expect(run.statuses(of: "call_1") == ["pending", "running", "completed"])
        #expect(run.streamedText == "Sunny in Paris")

        let result = try #require(run.response["result"])
        #expect(result["turns"] == 2)
        #expect(result["choices"]?[0]?["message"]?["content"] == "Sunny in Paris")
        let messages = try #require(result["messages"]?.arrayValue)
        #expect(messages.count == 3)
        #expect(messages[0]["tool_calls"]?[0]?["function"]?["arguments"] == #"{"city":"Paris"}"#, "the streamed arguments reassembled")
        #expect(messages[1] == ["role": "tool", "tool_call_id": "call_1", "content": "18 °C and sunny"])
        #expect(result["usage"]?["completion_tokens"] == 7, "5 + 2: every turn's usage summed")
        #expect(result["usage"]?["prompt_tokens"] == 20)
        #expect(result["stopped"] == nil)

        let second = try #require(harness.upstream.requests.last?.json)
        #expect(second["tools"]?[0]?["function"]?["name"] == "get_weather")
        #expect(second["messages"]?.arrayValue?.count == 3, "the user's message, the tool call, its result")
        #expect(second["messages"]?[2]?["content"] == "18 °C and sunny")
        #expect(second["tool_images"] == nil && second["max_turns"] == nil && second["approval"] == nil, "the run's own params stay here")
    }

    @Test func reachingMaxTurnsIsAnAnswerThatSaysSoWithEveryCallAnswered() throws {
        let harness = try Harness(responses: [.toolCallCompletion([Self.weather])])
        let run = try harness.daemon.agentRun(agentParams(stream: false, extra: ["tools": [clientTool("get_weather")], "max_turns": 1]))
        try harness.finish()
        #expect(run.requests.isEmpty, "a call past the limit is not run")
        let result = try #require(run.response["result"])
        #expect(result["stopped"] == "max_turns")
        #expect(result["turns"] == 1)
        #expect(result["messages"]?[1]?["role"] == "tool")
        #expect(result["messages"]?[1]?["content"]?.stringValue?.contains("limit of 1 turns") == true)
        #expect(run.statuses(of: "call_1") == ["cancelled"])
        #expect(harness.upstream.requests.count == 1)
    }

    @Test func aClientWithoutToolExecuteMakesTheCallFailWithItsMessageToTheModel() throws {
        let harness = try Harness(responses: [.toolCallCompletion([Self.weather]), .chatCompletion("I could not check.")])
        let run = try harness.daemon.agentRun(agentParams(stream: false, extra: ["tools": [clientTool("get_weather")]])) { _ in
            ["error": ["code": -32601, "message": "method not found: tool.execute"]]
        }
        try harness.finish()
        #expect(run.statuses(of: "call_1") == ["pending", "running", "failed"])
        let toolMessage = try #require(run.response["result"]?["messages"]?[1])
        #expect(toolMessage["content"]?.stringValue?.contains("method not found: tool.execute") == true)
        #expect(run.response.answer == "I could not check.")
    }

    @Test func aToolResultHoldingTheKeyReachesTheModelWithoutIt() throws {
        let harness = try Harness(responses: [.toolCallCompletion([Self.weather]), .chatCompletion("Done.")])
        _ = try harness.daemon.agentRun(agentParams(stream: false, extra: ["tools": [clientTool("get_weather")]])) { _ in
            ["content": .string("config.json: {\"api_key\": \"\(testKey)\"}")]
        }
        try harness.finish()
        let second = try #require(harness.upstream.requests.last)
        let body = String(decoding: second.body, as: UTF8.self)
        #expect(body.contains("[redacted]"))
        #expect(!body.contains(testKey))
    }

    @Test func callsTheModelMadeUpOrMalformedFailWithoutReachingTheClient() throws {
        let calls = [FakeResponse.ToolCall(id: "call_a", name: "delete_everything", arguments: "{}"),
                     FakeResponse.ToolCall(id: "call_b", name: "get_weather", arguments: "{not json")]
        let harness = try Harness(responses: [.toolCallCompletion(calls), .chatCompletion("Sorry.")])
        let run = try harness.daemon.agentRun(agentParams(stream: false, extra: ["tools": [clientTool("get_weather")]]))
        try harness.finish()
        #expect(run.requests.isEmpty)
        #expect(run.statuses(of: "call_a") == ["pending", "failed"])
        #expect(run.statuses(of: "call_b") == ["pending", "failed"])
        let messages = try #require(run.response["result"]?["messages"]?.arrayValue)
        #expect(messages[1]["content"]?.stringValue?.contains("no tool named \"delete_everything\"") == true)
        #expect(messages[2]["content"]?.stringValue?.contains("not a JSON object") == true)
    }

    @Test func parallelCallsAreAllAskedBeforeAnyIsAnsweredAndAnsweredInTheModelsOrder() throws {
        let calls = [FakeResponse.ToolCall(id: "call_1", name: "get_weather", arguments: #"{"city":"Paris"}"#),
                     FakeResponse.ToolCall(id: "call_2", name: "get_weather", arguments: #"{"city":"Oslo"}"#)]
        let harness = try Harness(responses: [.toolCallStream(calls), .chatCompletion("Both done.")])
        harness.daemon.send(["jsonrpc": "2.0", "id": 1, "method": "agent.run",
                             "params": agentParams(extra: ["tools": [clientTool("get_weather")]])])
        var executes: [JSONValue] = []
        while executes.count < 2 {
            let message = try harness.daemon.next()
            if message["method"] == "tool.execute" { executes.append(message) }
        }
        // Answered in reverse: the tool messages still follow the calls' order.
        for execute in executes.reversed() {
            let city = execute["params"]?["arguments"]?["city"]?.stringValue ?? ""
            harness.daemon.send(["jsonrpc": "2.0", "id": execute["id"]!, "result": ["content": .string("weather of \(city)")]])
        }
        let run = try harness.daemon.agentRun(.null, send: false)
        try harness.finish()
        let messages = try #require(run.response["result"]?["messages"]?.arrayValue)
        #expect(messages[1]["tool_call_id"] == "call_1" && messages[1]["content"] == "weather of Paris")
        #expect(messages[2]["tool_call_id"] == "call_2" && messages[2]["content"] == "weather of Oslo")
    }

    @Test func cancellingTheRunWithdrawsTheClientsPendingRequest() throws {
        let harness = try Harness(responses: [.toolCallCompletion([Self.weather])])
        harness.daemon.send(["jsonrpc": "2.0", "id": 1, "method": "agent.run",
                             "params": agentParams(stream: false, extra: ["tools": [clientTool("get_weather")]])])
        var execute: JSONValue = .null
        while execute["method"] != "tool.execute" { execute = try harness.daemon.next() }
        harness.daemon.send(["jsonrpc": "2.0", "method": "$/cancelRequest", "params": ["id": 1]])
        let (response, before) = try harness.daemon.response(to: 1)
        #expect(before.contains { $0["method"] == "$/cancelRequest" && $0["params"]?["id"] == execute["id"] })
        #expect(before.contains { $0["method"] == "tool.call" && $0["params"]?["status"] == "cancelled" })
        #expect(response["error"]?["code"] == -32800)
        #expect(response["error"]?["data"]?["partial"]?["messages"]?[0]?["tool_calls"] != nil, "the run so far")
        // A late answer is ignored.
        harness.daemon.send(["jsonrpc": "2.0", "id": execute["id"]!, "result": ["content": "too late"]])
        try harness.finish()
    }

    @Test func cancellingDuringTheModelsStreamStopsItUpstreamWithTheTurnSoFar() throws {
        let harness = try Harness(responses: [.chatStream(["one", " two", " three", " four"], delay: 0.3)])
        harness.daemon.send(["jsonrpc": "2.0", "id": 1, "method": "agent.run",
                             "params": agentParams(extra: ["tools": [clientTool("get_weather")]])])
        var delta: JSONValue = .null
        while delta["params"]?["delta"]?["content"] != "one" { delta = try harness.daemon.next() }
        harness.daemon.send(["jsonrpc": "2.0", "method": "$/cancelRequest", "params": ["id": 1]])
        let (response, _) = try harness.daemon.response(to: 1)
        #expect(response["error"]?["code"] == -32800)
        let partial = try #require(response["error"]?["data"]?["partial"])
        #expect(partial["turns"] == 1 && partial["messages"] == [])
        #expect(partial["completion"]?["choices"]?[0]?["message"]?["content"]?.stringValue?.hasPrefix("one") == true)
        #expect(harness.upstream.waitForOpenConnections(atMost: 0), "the stream was closed upstream")
        try harness.finish()
    }

    @Test func theEndOfInputFailsAWaitingCallAndTheRunStillAnswers() throws {
        let harness = try Harness(responses: [.toolCallCompletion([Self.weather]), .chatCompletion("No tool answer.")])
        harness.daemon.send(["jsonrpc": "2.0", "id": 1, "method": "agent.run",
                             "params": agentParams(stream: false, extra: ["tools": [clientTool("get_weather")]])])
        var execute: JSONValue = .null
        while execute["method"] != "tool.execute" { execute = try harness.daemon.next() }
        let rest = try harness.finish()
        let response = try #require(rest.first { $0["id"] == 1 && $0["method"] == nil })
        #expect(response.answer == "No tool answer.")
        #expect(response["result"]?["messages"]?[1]?["content"]?.stringValue?.contains("input ended") == true)
    }

    static let badParams: [(JSONObject, String)] = [
        (["approval": "maybe"], "approval"),
        (["max_turns": 0], "max_turns"),
        (["max_turns": 101], "max_turns"),
        (["mcp_servers": ["nope"]], "mcp_servers.0"),
        (["tools": [["type": "function", "function": ["name": "has space"]]]], "tools.0.function.name"),
        (["tools": [clientTool("twice"), clientTool("twice")]], "tools.1.function.name"),
        (["tools": [["type": "code_interpreter"]]], "tools.0"),
    ]

    @Test(arguments: 0..<badParams.count)
    func badParamsAreRefusedNamingTheField(index: Int) throws {
        let (extra, field) = Self.badParams[index]
        let harness = try Harness(responses: [])
        let (response, _) = try harness.daemon.call("agent.run", agentParams(extra: extra))
        try harness.finish()
        #expect(response["error"]?["code"] == -32602)
        #expect(response["error"]?["data"]?["field"]?.stringValue == field)
        #expect(harness.upstream.requests.isEmpty)
    }
}
}
