import Foundation
import JSONRPC
import Testing
import TestSupport

extension EndToEnd {
@Suite("framing and malformed input end to end")
struct FramingTests {
    @Test func lspFramedInputIsAnsweredInLSPFraming() throws {
        let harness = try Harness(responses: [])
        let request: JSONValue = ["jsonrpc": "2.0", "id": 1, "method": "config.get"]
        let body = request.serialized()
        harness.daemon.write(Array("Content-Length: \(body.count)\r\nContent-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n".utf8) + body)
        let event = try harness.daemon.nextFrame()
        guard case .message(let bytes, let framing) = event else { Issue.record("got \(event)"); return }
        #expect(framing == .lsp)
        #expect(try JSONParser.parse(bytes)["id"] == 1)
        try harness.finish()
        #expect(String(decoding: harness.daemon.stdoutBytes, as: UTF8.self).hasPrefix("Content-Length: "))
    }

    @Test func aBatchIsAnsweredWithOneArrayAndNotificationsGetNoEntry() throws {
        let harness = try Harness(responses: [.chatCompletion("batched")])
        harness.daemon.send([
            ["jsonrpc": "2.0", "id": 1, "method": "config.get"],
            ["jsonrpc": "2.0", "method": "initialized"],
            ["jsonrpc": "2.0", "id": 2, "method": "chat.complete", "params": chatParams()],
            ["jsonrpc": "2.0", "id": 3, "method": "no.such.method"],
        ])
        let reply = try harness.daemon.next()
        try harness.finish()
        let members = try #require(reply.arrayValue)
        #expect(members.count == 3)
        #expect(members.map { $0["id"] } == [1, 2, 3])
        #expect(members[1].answer == "batched")
        #expect(members[2].errorCode == -32601)
    }

    @Test func malformedInputGetsErrorsAndTheDaemonKeepsServing() throws {
        let harness = try Harness(responses: [])
        harness.daemon.write(Array("{not json\n".utf8))
        #expect(try harness.daemon.next().errorCode == -32700)
        harness.daemon.write([0x7B, 0x22, 0x61, 0x22, 0x3A, 0x22, 0xFF, 0xFE, 0x22, 0x7D, 0x0A])  // {"a":"<invalid UTF-8>"}
        #expect(try harness.daemon.next().errorCode == -32700)
        harness.daemon.write(Array("[]\n".utf8))
        #expect(try harness.daemon.next().errorCode == -32600)
        harness.daemon.write(Array(#"{"jsonrpc":"2.0","id":{"x":1},"method":"config.get"}"#.utf8) + [0x0A])
        #expect(try harness.daemon.next().errorCode == -32600)
        harness.daemon.write(Array(#"{"jsonrpc":"2.0","id":5,"method":"chat.complete","params":[1,2]}"#.utf8) + [0x0A])
        let positional = try harness.daemon.next()
        #expect(positional.errorCode == -32602)
        #expect(positional["id"] == 5)
        let (wrongType, _) = try harness.daemon.call("chat.complete", ["messages": "not an array"], id: 6)
        #expect(wrongType.errorCode == -32602)
        #expect(wrongType["error"]?["data"]?["field"] == "messages")
        let (ok, _) = try harness.daemon.call("config.get", id: 7)
        #expect(ok["result"] != nil)
        try harness.finish()
    }

    @Test func anOversizedMessageIsRefusedAndSkipped() throws {
        let harness = try Harness(arguments: ["--max-message-bytes", "4096"], responses: [])
        let huge: JSONValue = ["jsonrpc": "2.0", "id": 1, "method": "config.get", "params": ["pad": .string(String(repeating: "x", count: 1_000_000))]]
        harness.daemon.send(huge)
        let refused = try harness.daemon.next()
        #expect(refused.errorCode == -32600)
        #expect(refused["id"] == .null)
        let (ok, _) = try harness.daemon.call("config.get", id: 2)
        #expect(ok["result"] != nil)
        try harness.finish()
    }

    @Test func aRequestIDAlreadyInFlightIsRefused() throws {
        let stalled = FakeResponse(steps: [.sleep(1.0), .send(Array(#"{"id":"x","object":"chat.completion","choices":[]}"#.utf8))])
        let harness = try Harness(responses: [stalled])
        harness.daemon.send(["jsonrpc": "2.0", "id": 1, "method": "chat.complete", "params": chatParams()])
        Thread.sleep(forTimeInterval: 0.2)
        harness.daemon.send(["jsonrpc": "2.0", "id": 1, "method": "models.list"])
        let first = try harness.daemon.next()
        #expect(first.errorCode == -32600)
        #expect(first["error"]?["message"]?.stringValue?.contains("in flight") == true)
        let messages = try harness.finish()
        #expect(messages.count == 1)
        #expect(messages.first?["result"]?["object"] == "chat.completion")
    }

    @Test func aShellPipelineWithoutTrailingNewlineWorks() throws {
        let harness = try Harness(responses: [.chatCompletion("from the shell")])
        harness.daemon.write(Array(#"{"id":1,"method":"chat.complete","params":{"messages":[{"role":"user","content":"hi"}]}}"#.utf8))
        let messages = try harness.finish()
        #expect(messages.count == 1)
        #expect(messages.first?.answer == "from the shell")
    }
}
}
