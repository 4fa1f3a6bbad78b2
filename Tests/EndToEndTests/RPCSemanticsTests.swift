import Foundation
import JSONRPC
import Testing
import TestSupport

extension EndToEnd {
/// JSON-RPC's finer points on the real daemon: ids that are numbers, notifications for methods,
/// and what the log makes of text a client chose.
@Suite("JSON-RPC semantics end to end")
struct RPCSemanticsTests {
    @Test(arguments: ["1.0", "1e0", "10e-1"])
    func aCancelWithTheIDWrittenAnotherWayFindsItsRequest(cancelID: String) throws {
        let harness = try Harness(responses: [FakeResponse(steps: [.stall])])
        harness.daemon.send(["jsonrpc": "2.0", "id": 1, "method": "chat.complete", "params": chatParams()])
        #expect(harness.upstream.waitForRequests(1))
        harness.daemon.send(["jsonrpc": "2.0", "method": "$/cancelRequest", "params": ["id": try JSONParser.parse(cancelID)]])
        let (response, _) = try harness.daemon.response(to: 1, timeout: 3)
        #expect(response.errorCode == -32800)
        #expect(response["error"]?["data"]?["reason"] == "cancelled")
        #expect(response["id"]?.numberValue?.literal == "1", "the id is echoed as the request wrote it")
        try harness.finish()
    }

    @Test func aConfigUpdateSentAsANotificationIsAppliedWithoutAnAnswer() throws {
        let harness = try Harness(responses: [])
        harness.daemon.send(["jsonrpc": "2.0", "method": "config.update", "params": ["default_model": "from-a-notification"]])
        harness.daemon.send(["jsonrpc": "2.0", "method": "config.update", "params": ["max_retries": "many"]])
        let (view, before) = try harness.daemon.call("config.get", id: 2)
        #expect(before.isEmpty, "a notification gets no answer: \(before)")
        #expect(view["result"]?["default_model"] == "from-a-notification")
        let log = try String(contentsOf: harness.logFile, encoding: .utf8)
        let messages = try harness.finish()
        #expect(messages.isEmpty)
        #expect(log.contains("warn: notification config.update failed"), "a bad patch is logged at warn")
    }

    @Test func aNotificationThatWouldAskTheUpstreamIsNotRunAndSaysWhy() throws {
        let harness = try Harness(responses: [.chatCompletion("nobody would read this")])
        harness.daemon.send(["jsonrpc": "2.0", "method": "chat.complete", "params": chatParams()])
        let (view, before) = try harness.daemon.call("config.get", id: 2)
        #expect(before.isEmpty)
        #expect(view["result"] != nil)
        let log = try String(contentsOf: harness.logFile, encoding: .utf8)
        try harness.finish()
        #expect(harness.upstream.requests.isEmpty)
        #expect(log.contains("warn: notification chat.complete ignored"), "\(log)")
    }

    @Test func textFromTheClientCannotForgeALogLine() throws {
        let harness = try Harness(responses: [])
        let forged = "switchboard: error: forged by the client"
        harness.daemon.send(["jsonrpc": "2.0", "method": .string("x\n\(forged)\u{1B}[2J")])
        let (response, _) = try harness.daemon.call("config.get", id: .string("id\n\(forged)"))
        #expect(response["result"] != nil)
        let log = try String(contentsOf: harness.logFile, encoding: .utf8)
        try harness.finish()
        let lines = log.split(separator: "\n")
        #expect(!lines.contains { $0.hasPrefix(forged) }, "\(log)")
        #expect(!log.contains("\u{1B}"))
        #expect(log.contains(#"ignored notification x\n\#(forged)\u{1B}[2J"#), "\(log)")
    }
}
}
