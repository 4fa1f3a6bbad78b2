import DispatchTestSupport
import Foundation
import JSONRPC
import MCP
import Server
import Testing

/// The MCP front end in process: `MCPServer.receive` driven with frames, its tools calling the
/// stub methods, its output read from a pipe.
@Suite("MCP dispatch, in process", .serialized)
struct MCPDispatchTests {
    let rig: FrontEndRig

    init() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("switchboard-mcp-\(UUID().uuidString)")
        rig = try FrontEndRig { MCPServer(runner: $0, writer: $1, outputFolder: OutputFolder(root: folder)).receive }
    }

    func request(_ id: JSONValue, _ method: String, _ params: JSONValue) async {
        await rig.send(["jsonrpc": "2.0", "id": id, "method": .string(method), "params": params])
    }

    /// What a 2026-07-28 (stateless) request carries in `_meta`.
    static let modern: JSONObject = [RequestMeta.versionKey: "2026-07-28", RequestMeta.capabilitiesKey: [:]]

    /// A 2026-07-28 `tools/call`.
    func callTool(_ id: JSONValue, _ name: String, _ arguments: JSONValue, progress: JSONValue? = nil) async {
        var meta = Self.modern
        if let progress { meta["progressToken"] = progress }
        await request(id, "tools/call", ["name": .string(name), "arguments": arguments, "_meta": .object(meta)])
    }

    @Test func answersAToolCallAndMethodNotFound() async throws {
        await callTool(1, "chat", ["prompt": "hi"])
        let answer = try #require(await rig.next())
        #expect(answer["id"] == 1)
        #expect(answer["result"]?["content"]?[0]?["text"] == "hello")
        await request(2, "no/such/method", ["_meta": .object(Self.modern)])
        let missing = try #require(await rig.next())
        #expect(missing["id"] == 2)
        #expect(missing["error"]?["code"] == -32601)
    }

    @Test func progressOfACallComesBeforeItsResult() async throws {
        await callTool("p", "chat", ["prompt": "hi"], progress: "token")
        let messages = try #require(await rig.messages(through: "p"))
        #expect(messages.map { $0["method"]?.stringValue ?? "response" } == ["notifications/progress", "response"])
        #expect(messages[0]["params"]?["progressToken"] == "token")
        #expect(messages[0]["params"]?["message"] == "hello")
    }

    @Test func aDuplicateIdInFlightIsRefusedAndACancelledCallIsNeverAnswered() async throws {
        await callTool(7, "chat", ["prompt": "wait"])
        await callTool(7, "chat", ["prompt": "hi"])
        let refused = try #require(await rig.next())
        #expect(refused["id"] == 7)
        #expect(refused["error"]?["code"] == -32600)
        #expect(refused["error"]?["message"]?.stringValue?.contains("already in flight") == true)

        await rig.send(["jsonrpc": "2.0", "method": "notifications/cancelled", "params": ["requestId": 7, "reason": "the user changed their mind"]])
        #expect(await rig.waitUntilDone(7), "the cancelled call did not end")
        // Nothing is sent for the cancelled call: not before a later answer, nor after it.
        await request(8, "initialize", ["protocolVersion": "2025-11-25"])
        var after = try #require(await rig.messages(through: 8))
        while let late = await rig.next(timeout: 0.5) { after.append(late) }
        #expect(after.count == 1 && after[0]["result"] != nil, "a cancelled call was answered: \(after)")
        #expect(rig.events.all == ["chat started 7"], "the duplicate ran nothing")
    }

    /// The same thrown error reads the same in both front ends: one conversion path.
    @Test func bothFrontEndsConvertAnErrorTheSameWay() async throws {
        await callTool(1, "list_models", [:])
        let tool = try #require(await rig.next())
        #expect(tool["result"]?["isError"] == true)
        let toolText = try #require(tool["result"]?["content"]?[0]?["text"]?.stringValue)

        let jsonRPC = JSONRPCServer(runner: rig.runner, writer: rig.writer)
        await rig.send(["jsonrpc": "2.0", "id": 2, "method": "models.list"], to: jsonRPC.receive)
        let response = try #require(await rig.next())
        #expect(response["error"]?["message"]?.stringValue == toolText)
        #expect(toolText == "cannot reach the upstream: stub upstream refused the connection")
    }
}
