import DispatchTestSupport
import JSONRPC
import Server
import Testing

/// The JSON-RPC front end in process: `JSONRPCServer.receive` driven with frames, over stub
/// methods, its output read from a pipe.
@Suite("JSON-RPC dispatch, in process", .serialized)
struct JSONRPCDispatchTests {
    let rig: FrontEndRig

    init() throws {
        rig = try FrontEndRig { JSONRPCServer(runner: $0, writer: $1).receive }
    }

    func request(_ id: JSONValue, _ method: String, _ params: JSONValue? = nil) async {
        var message: JSONObject = ["jsonrpc": "2.0", "id": id, "method": .string(method)]
        if let params { message["params"] = params }
        await rig.send(.object(message))
    }

    static func chat(_ content: String) -> JSONValue { ["messages": [["role": "user", "content": .string(content)]]] }

    @Test func answersWithResultsAndMethodNotFound() async throws {
        await request(1, "stub.ordered", ["delay_ms": 1])
        #expect(await rig.next()?["result"]?["done"] == true)
        await request(2, "no.such.method")
        let missing = try #require(await rig.next())
        #expect(missing["id"] == 2)
        #expect(missing["error"]?["code"] == -32601)
    }

    @Test func notificationsOfAMethodComeBeforeItsResponse() async throws {
        await request("c", "chat.complete", Self.chat("hi"))
        let messages = try #require(await rig.messages(through: "c"))
        #expect(messages.map { $0["method"]?.stringValue ?? "response" } == ["chat.delta", "response"])
        #expect(messages[0]["params"]?["delta"]?["content"] == "hello")
        #expect(messages[1]["result"]?["model"] == "stub")
    }

    @Test func anInOrderMethodFinishesBeforeTheNextMessageIsProcessed() async throws {
        await request(1, "stub.ordered", ["delay_ms": 300])
        await request(2, "chat.complete", Self.chat("hi"))
        let messages = try #require(await rig.messages(through: 2))
        #expect(rig.events.all == ["ordered finished", "chat started 2"])
        #expect(messages.first?["id"] == 1, "the in-order answer is written first")
    }

    @Test func aDuplicateIdInFlightIsRefusedAndCancelAnswersWithItsReason() async throws {
        await request(7, "chat.complete", Self.chat("wait"))
        #expect(await rig.next()?["method"] == "chat.delta")
        await request(7, "chat.complete", Self.chat("hi"))
        let refused = try #require(await rig.next())
        #expect(refused["id"] == 7)
        #expect(refused["error"]?["code"] == -32600)
        #expect(refused["error"]?["message"]?.stringValue?.contains("already in flight") == true)
        // Only the first call started: the duplicate ran nothing.
        #expect(rig.events.all == ["chat started 7"])

        await rig.send(["jsonrpc": "2.0", "method": "$/cancelRequest", "params": ["id": 7]])
        let cancelled = try #require(await rig.next())
        #expect(cancelled["id"] == 7)
        #expect(cancelled["error"]?["code"] == -32800)
        #expect(cancelled["error"]?["data"]?["reason"] == "cancelled")
        #expect(await rig.waitUntilDone(7))
        // The id is free again once answered.
        await request(7, "chat.complete", Self.chat("hi"))
        #expect(await rig.messages(through: 7)?.last?["result"]?["model"] == "stub")
    }

    @Test func aThrownErrorIsConverted() async throws {
        await request(3, "models.list")
        let failed = try #require(await rig.next())
        #expect(failed["error"]?["code"] == -32002)
        #expect(failed["error"]?["message"] == "cannot reach the upstream: stub upstream refused the connection")
        #expect(failed["error"]?["data"]?["attempts"] == 0)
    }
}
