import Foundation
import JSONRPC
import Testing
import TestSupport

extension EndToEnd {
/// `agent.run` with `conversation_id`: the run's messages (tool calls and results too) are stored,
/// and a later run continues from them.
@Suite("agent.run in a stored conversation")
struct AgentConversationTests {
    @Test func aRunsToolCallsAndResultsAreStoredAndContinued() throws {
        let home = ConversationTests.DataHome()
        defer { home.remove() }
        let call = FakeResponse.ToolCall(id: "call_1", name: "get_weather", arguments: #"{"city":"Paris"}"#)
        let harness = try Harness(environment: home.environment,
                                  responses: [.toolCallCompletion([call]), .chatCompletion("Sunny."), .chatCompletion("Still sunny.")])
        let run = try harness.daemon.agentRun(agentParams(stream: false, extra: ["tools": [clientTool("get_weather")], "conversation_id": "new"])) { _ in
            ["content": "18 °C"]
        }
        let id = try #require(run.response["result"]?["conversation_id"]?.stringValue)
        #expect(run.response["result"]?["store_error"] == nil)
        let stored = try harness.daemon.call("conversations.get", ["id": .string(id)], id: 2).response["result"]?["messages"]?.arrayValue ?? []
        #expect(stored.map { $0["role"] } == ["user", "assistant", "tool", "assistant"])
        #expect(stored[2]["content"] == "18 °C")

        let next = try harness.daemon.agentRun(agentParams("And tomorrow?", stream: false, extra: ["conversation_id": .string(id)]), id: 3)
        #expect(next.response["result"]?["conversation_id"] == .string(id))
        try harness.finish()
        let sent = harness.upstream.requests.last?.json?["messages"]?.arrayValue ?? []
        #expect(sent.map { $0["role"] } == ["user", "assistant", "tool", "assistant", "user"], "the stored run, then the new question")
        #expect(sent.last?["content"] == "And tomorrow?")
    }
}
}
