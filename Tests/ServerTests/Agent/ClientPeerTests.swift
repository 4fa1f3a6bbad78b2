import Testing
import JSONRPC
import Primitives
import TestSupport
@testable import Server

struct ClientPeerTests {
    /// A peer whose sent messages are posted to a mailbox.
    private static func peer(cancelMethod: (name: String, idKey: String) = ("$/cancelRequest", "id")) -> (ClientPeer, Mailbox<JSONValue>) {
        let sent = Mailbox<JSONValue>()
        return (ClientPeer(cancelMethod: cancelMethod, send: { sent.post($0) }), sent)
    }

    @Test func anAnswerResumesItsRequestAndOnlyItsOwnIdsAreAnswers() async throws {
        let (peer, sent) = Self.peer()
        let asking = Task { try await peer.request("tool.approve", ["call_id": "c"]) }
        let request = try #require(await sent.next(within: TestTiming.seconds(5)))
        #expect(request["id"] == "sb-1" && request["method"] == "tool.approve")
        #expect(!peer.resolve(id: .string("sb-9"), result: true, error: nil))
        #expect(!peer.resolve(id: .number(JSONNumber(1)), result: true, error: nil))
        #expect(peer.resolve(id: .string("sb-1"), result: ["approved": true], error: nil))
        #expect(try await asking.value == ["approved": true])
        #expect(!peer.resolve(id: .string("sb-1"), result: true, error: nil), "answered once")
    }

    @Test func aClientsErrorIsThrownWithItsCodeAndMessage() async throws {
        let (peer, sent) = Self.peer()
        let asking = Task { try await peer.request("tool.execute", [:]) }
        _ = await sent.next(within: TestTiming.seconds(5))
        peer.resolve(id: .string("sb-1"), result: nil, error: ["code": -32601, "message": "no"])
        await #expect(throws: ResponseError(ErrorCode(rawValue: -32601), "no")) { try await asking.value }
    }

    @Test func cancellingWithdrawsTheRequestAndTellsTheClient() async throws {
        let (peer, sent) = Self.peer()
        let asking = Task { try await peer.request("tool.execute", [:]) }
        _ = await sent.next(within: TestTiming.seconds(5))
        asking.cancel()
        await #expect(throws: CancellationError.self) { try await asking.value }
        let cancel = await sent.next(within: TestTiming.seconds(5))
        #expect(cancel == ["jsonrpc": "2.0", "method": "$/cancelRequest", "params": ["id": "sb-1"]])
        #expect(peer.waitingCount == 0)
        #expect(!peer.resolve(id: .string("sb-1"), result: [:], error: nil), "a late answer is ignored")
    }

    /// ACP withdraws a request with `$/cancel_request` `{requestId}`.
    @Test func aFrontEndNamesItsOwnCancelNotification() async throws {
        let (peer, sent) = Self.peer(cancelMethod: ("$/cancel_request", "requestId"))
        let asking = Task { try await peer.request("fs/read_text_file", [:]) }
        _ = await sent.next(within: TestTiming.seconds(5))
        asking.cancel()
        await #expect(throws: CancellationError.self) { try await asking.value }
        let cancel = await sent.next(within: TestTiming.seconds(5))
        #expect(cancel == ["jsonrpc": "2.0", "method": "$/cancel_request", "params": ["requestId": "sb-1"]])
    }

    @Test func theEndOfInputFailsWaitingAndLaterRequests() async throws {
        let (peer, sent) = Self.peer()
        let asking = Task { try await peer.request("tool.execute", [:]) }
        _ = await sent.next(within: TestTiming.seconds(5))
        peer.inputEnded()
        await #expect(throws: ResponseError.self) { try await asking.value }
        await #expect(throws: ResponseError.self) { try await peer.request("tool.approve", [:]) }
    }
}
