import Foundation
import JSONRPC
import Testing
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// JSON-RPC and MCP rules at the edges: protocol errors stay JSON-RPC errors, notifications are
/// never answered, cancelled calls get nothing more, the end of input and signals end calls.
extension EndToEnd {
@Suite("MCP: protocol errors, cancellation, ending")
struct MCPProtocolTests {
    static func harness() throws -> Harness {
        try Harness(arguments: ["--mcp", "--output-dir", try MediaFixtures.directory()], upstream: try MCPUpstream.start())
    }

    @Test func protocolErrorsAreJSONRPCErrorsAndNotificationsAreNeverAnswered() throws {
        let harness = try Self.harness()
        let daemon = harness.daemon
        func error(_ message: JSONValue, id: JSONValue) throws -> JSONValue? {
            daemon.send(message)
            return try daemon.response(to: id).response["error"]
        }
        daemon.send(["jsonrpc": "2.0", "method": "notifications/initialized"])
        daemon.send(["jsonrpc": "2.0", "method": "notifications/cancelled", "params": ["requestId": 99]])
        #expect(try error(MCPMessages.request(1, "tools/list", modern: false), id: 1)?["code"] == -32602, "no session, no declared version")
        var unsupported = MCPMessages.request(2, "tools/list", modern: true)
        unsupported["params"]?["_meta"]?["io.modelcontextprotocol/protocolVersion"] = "2099-01-01"
        #expect(try error(unsupported, id: 2) == ["code": -32022, "message": "Unsupported protocol version 2099-01-01",
                                                  "data": ["supported": ["2026-07-28", "2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05"],
                                                           "requested": "2099-01-01"]])
        var noCapabilities = MCPMessages.request(3, "tools/list", modern: true)
        noCapabilities["params"]?["_meta"]?["io.modelcontextprotocol/clientCapabilities"] = nil
        #expect(try error(noCapabilities, id: 3)?["code"] == -32602)
        #expect(try error(MCPMessages.request(4, "ping", modern: true), id: 4)?["code"] == -32601, "ping is gone in 2026-07-28")
        #expect(try error(MCPMessages.callTool(5, "no_such_tool", [:], modern: true), id: 5)?["code"] == -32602)
        #expect(try error(MCPMessages.request(6, "resources/list", modern: true), id: 6)?["code"] == -32601)
        #expect(try error(["id": 7, "method": "ping"], id: 7)?["code"] == -32600, "jsonrpc is required")
        #expect(try error(["jsonrpc": "2.0", "id": 1.5, "method": "ping"], id: 1.5)?["code"] == -32600, "ids are strings or integers")
        daemon.send([["jsonrpc": "2.0", "id": 8, "method": "ping"]])
        #expect(try daemon.next()["error"]?["code"] == -32600, "no batches")
        try MCPMessages.open(daemon, modern: false)
        #expect(try error(["jsonrpc": "2.0", "id": 9, "method": "initialize", "params": ["protocolVersion": "2025-11-25", "capabilities": [:],
                                                                                         "clientInfo": ["name": "x", "version": "1"]]], id: 9)?["code"] == -32600)
        #expect(try error(MCPMessages.request(10, "logging/setLevel", ["level": "loud"], modern: false), id: 10)?["code"] == -32602)
        daemon.send(MCPMessages.request(11, "ping", modern: false))
        #expect(try daemon.response(to: 11).response["result"] == [:])
        let rest = try harness.finish(conformance: { _ in })
        #expect(rest.isEmpty, "notifications got no answer: \(rest)")
    }

    /// As in JSON-RPC mode, an integer id of any size is an id, echoed as it was written.
    @Test func anIntegerIDAbove64BitsIsAnswered() throws {
        let harness = try Self.harness()
        harness.daemon.write(Array("{\"jsonrpc\":\"2.0\",\"id\":123456789012345678901234567890,\"method\":\"ping\"}\n".utf8))
        let response = try harness.daemon.next()
        #expect(response["result"] == [:], "\(response)")
        try harness.finish(conformance: { _ in })
        #expect(String(decoding: harness.daemon.stdoutBytes, as: UTF8.self).contains("\"id\":123456789012345678901234567890"))
    }

    @Test(arguments: [false, true])
    func aCancelledCallGetsNothingMoreAndTheServerGoesOn(modern: Bool) throws {
        let harness = try Self.harness()
        try MCPMessages.open(harness.daemon, modern: modern)
        harness.daemon.send(MCPMessages.callTool(5, "chat", ["prompt": "STALL now"], modern: modern, progress: "p5"))
        let progress = try harness.daemon.next()
        #expect(progress["method"] == "notifications/progress" && progress["params"]?["message"] == "thinking")
        harness.daemon.send(["jsonrpc": "2.0", "method": "notifications/cancelled", "params": ["requestId": 5, "reason": "the user changed their mind"]])
        harness.daemon.send(MCPMessages.callTool(6, "list_models", [:], modern: modern))
        let (response, before) = try harness.daemon.response(to: 6)
        #expect(before.isEmpty && response["result"]?["isError"] == nil)
        #expect(MediaFixtures.wait { (try? String(contentsOf: harness.logFile, encoding: .utf8))?.contains("chat: cancelled; no response is sent") == true })
        var log = ""
        for _ in 0..<200 where !log.contains("chat: request cancelled") {
            usleep(10_000)
            log = (try? String(contentsOf: harness.logFile, encoding: .utf8)) ?? ""
        }
        #expect(log.contains("switchboard: debug: chat: request cancelled"), "\(log)")
        #expect(!log.contains("switchboard: error:"), "a client's cancel is not an error: \(log)")
        let rest = try harness.finishMCP()
        #expect(rest.isEmpty, "nothing for the cancelled call: \(rest)")
    }

    @Test func theEndOfInputStopsCallsInFlightAndExits() throws {
        let harness = try Self.harness()
        try MCPMessages.open(harness.daemon, modern: true)
        harness.daemon.send(MCPMessages.callTool(1, "chat", ["prompt": "STALL forever"], modern: true))
        #expect(harness.upstream.waitForRequests(2))
        let started = Date()
        let rest = try harness.finishMCP()
        #expect(rest.isEmpty)
        #expect(Date().timeIntervalSince(started) < 5, "exits promptly")
    }

    @Test func aSignalAnswersCallsInFlightAsCancelled() throws {
        let harness = try Self.harness()
        try MCPMessages.open(harness.daemon, modern: true)
        harness.daemon.send(MCPMessages.callTool(1, "chat", ["prompt": "STALL forever"], modern: true))
        #expect(harness.upstream.waitForRequests(2))
        harness.daemon.signal(SIGTERM)
        let response = try harness.daemon.response(to: 1).response
        #expect(response["result"]?["isError"] == true)
        #expect(response["result"]?["content"]?[0]?["text"] == "The call was cancelled: the server is stopping.")
        try harness.finishMCP(expectCode: 143)
    }
}
}
