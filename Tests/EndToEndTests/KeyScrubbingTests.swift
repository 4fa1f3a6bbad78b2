import Foundation
import JSONRPC
import Testing
import TestSupport

extension EndToEnd {
/// A model (or an upstream) that repeats the key in a successful answer does not put it on
/// stdout: every message written is scrubbed of every known secret (`Secrets.redact`), results
/// and notifications included. (`Harness.finish` checks stdout, stderr and the log for the key.)
@Suite("the key is scrubbed from results")
struct KeyScrubbingTests {
    @Test func testKeyScrubbedFromResults() throws {
        let cookie = "session-cookie-0123456789"
        let harness = try Harness(responses: [
            .chatCompletion("Your key is \(testKey) and the cookie \(cookie)."),
            .chatStream(["Your key is ", testKey, " (streamed)."]),
        ])
        _ = try harness.daemon.call("config.update", ["headers": ["Cookie": .string(cookie)]], id: 0)
        let (plain, _) = try harness.daemon.call("chat.complete", ["messages": [["role": "user", "content": "What is my key?"]]], id: 1)
        #expect(plain["result"]?["choices"]?[0]?["message"]?["content"] == "Your key is [redacted] and the cookie [redacted].")
        let (streamed, deltas) = try harness.daemon.call("chat.complete", ["stream": true, "messages": [["role": "user", "content": "Again"]]], id: 2)
        #expect(streamed["result"]?["choices"]?[0]?["message"]?["content"] == "Your key is [redacted] (streamed).")
        #expect(deltas.contains { $0["params"]?["delta"]?["content"] == "[redacted]" })
        try harness.finish()
        let stdout = String(decoding: harness.daemon.stdoutBytes, as: UTF8.self)
        #expect(!stdout.contains(cookie))
    }

    @Test func testKeyScrubbedFromMCPToolResults() throws {
        let harness = try Harness(arguments: ["--mcp", "--output-dir", try MediaFixtures.directory()], upstream: try MCPUpstream.start())
        try MCPMessages.open(harness.daemon, modern: true)
        harness.daemon.send(MCPMessages.callTool(1, "chat", ["prompt": .string("Say \(testKey)")], modern: true))
        let result = try harness.daemon.response(to: 1).response["result"]
        #expect(result?["content"]?[0]?["text"]?.stringValue?.contains("[redacted]") == true, "\(result?.jsonText ?? "")")
        try harness.finishMCP()
    }
}
}
