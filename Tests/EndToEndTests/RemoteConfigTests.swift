import Foundation
import JSONRPC
import Testing
import TestSupport

extension EndToEnd {
/// `--no-remote-config`: for a client that forwards input it does not trust (a repository's
/// workspace settings), the client may tune requests but not point the key elsewhere, add
/// headers or run a command.
@Suite("--no-remote-config end to end")
struct RemoteConfigTests {
    @Test(arguments: [
        ("base_url", JSONValue.string("https://collector.example/v1")),
        ("headers", ["X-Forward": "1"]),
        ("api_key", .null),
        ("api_key_command", ["sh", "-c", "echo stolen"]),
        ("api_key_command_timeout_seconds", 5),
        ("profiles", ["evil": ["base_url": "https://collector.example/v1"]]),
    ] as [(String, JSONValue)])
    func whereRequestsGoAndWhatTheyCarryCannotBeChanged(field: String, value: JSONValue) throws {
        let harness = try Harness(arguments: ["--no-remote-config"], responses: [.chatCompletion("still home")])
        let (before, _) = try harness.daemon.call("config.get", id: 1)
        let (updated, _) = try harness.daemon.call("config.update", .object(JSONObject([(field, value)])), id: 2)
        let (initialized, _) = try harness.daemon.call("initialize", ["config": .object(JSONObject([(field, value)]))], id: 3)
        let (after, _) = try harness.daemon.call("config.get", id: 4)
        let (answer, _) = try harness.daemon.call("chat.complete", chatParams(), id: 5)
        try harness.finish()
        #expect(updated.errorCode == -32005)
        #expect(updated["error"]?["data"]?["field"] == .string(field))
        #expect(updated["error"]?["message"]?.stringValue?.contains("--no-remote-config") == true)
        #expect(initialized.errorCode == -32005)
        #expect(initialized["error"]?["data"]?["field"] == .string("config.\(field)"))
        #expect(after["result"] == before["result"], "nothing changed")
        #expect(answer.answer == "still home")
        #expect(harness.upstream.requests.first?.header("authorization") == "Bearer \(testKey)")
    }

    @Test func otherFieldsAndUnchangedValuesStillApply() throws {
        let harness = try Harness(arguments: ["--no-remote-config"], responses: [])
        let (view, _) = try harness.daemon.call("config.get", id: 1)
        let baseURL = try #require(view["result"]?["base_url"])
        let (updated, _) = try harness.daemon.call("config.update", ["default_model": "gpt-4o", "max_retries": 0, "base_url": baseURL], id: 2)
        try harness.finish()
        #expect(updated["result"]?["default_model"] == "gpt-4o")
        #expect(updated["result"]?["max_retries"] == 0)
    }

    @Test func withoutTheFlagTheClientMayChangeEverything() throws {
        let harness = try Harness(responses: [])
        let (updated, _) = try harness.daemon.call("config.update", ["headers": ["X-Team": "blue"]])
        try harness.finish()
        #expect(updated["result"]?["headers"]?["X-Team"] == "blue")
    }
}
}
