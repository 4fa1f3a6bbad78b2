import Foundation
import JSONRPC
import Server
import Testing
import TestSupport
import Transport
@testable import ACP

/// The agent loop's approval requests as ACP's `session/request_permission`, against a peer
/// whose messages the test reads and answers.
@Suite("ACP permission requests")
struct EditorRequesterTests {
    private static func requester() -> (EditorRequester, ClientPeer, Mailbox<JSONValue>) {
        let sent = Mailbox<JSONValue>()
        let peer = ClientPeer(cancelMethod: ("$/cancel_request", "requestId"), send: { sent.post($0) })
        let session = ACPSession(id: "sess_1", cwd: "/tmp", folders: [], overlay: nil, models: [], model: "m")
        let writer = OutputWriter(fd: open("/dev/null", O_WRONLY), framing: .ndjson)
        let updates = SessionUpdates(sessionID: session.id, output: RequestOutput(writer: writer))
        return (EditorRequester(session: session, client: ClientCapabilities(), peer: peer, updates: updates), peer, sent)
    }

    private static let approval: JSONValue = ["id": 1, "call_id": "call_7", "name": "time__get_time", "server": "time",
                                              "arguments": ["timezone": "UTC"]]

    @Test func anMCPCallAsksPermissionAndAlwaysIsRemembered() async throws {
        let (requester, peer, sent) = Self.requester()
        let first = Task { try await requester.request("tool.approve", Self.approval) }
        let asked = try #require(await sent.next(within: TestTiming.seconds(5)))
        #expect(asked["method"] == "session/request_permission")
        #expect(asked["params"]?["sessionId"] == "sess_1")
        #expect(asked["params"]?["toolCall"] == ["toolCallId": "call_7", "title": "time__get_time (time)", "kind": "other",
                                                 "rawInput": ["timezone": "UTC"]])
        #expect(asked["params"]?["options"]?.arrayValue?.compactMap { $0["kind"]?.stringValue } == ["allow_once", "allow_always", "reject_once"])
        peer.resolve(id: asked["id"].flatMap(RequestID.init), result: ["outcome": ["outcome": "selected", "optionId": "allow_always"]], error: nil)
        #expect(try await first.value == ["approved": true])
        // Asked nothing the second time.
        #expect(try await requester.request("tool.approve", Self.approval) == ["approved": true])
        #expect(await sent.next(within: 0.2) == nil)
    }

    @Test(arguments: [["outcome": "cancelled"], ["outcome": "selected", "optionId": "reject_once"]] as [JSONValue])
    func aRejectedOrCancelledAnswerRefuses(outcome: JSONValue) async throws {
        let (requester, peer, sent) = Self.requester()
        let asking = Task { try await requester.request("tool.approve", Self.approval) }
        let asked = try #require(await sent.next(within: TestTiming.seconds(5)))
        peer.resolve(id: asked["id"].flatMap(RequestID.init), result: ["outcome": outcome], error: nil)
        #expect(try await asking.value == ["approved": false])
    }

    @Test func otherRequestsAreNotOnesTheEditorTakes() async {
        let (requester, _, _) = Self.requester()
        await #expect(throws: ResponseError.self) { try await requester.request("tool.other", [:]) }
        await #expect(throws: ResponseError.self) { try await requester.request("tool.execute", ["name": "write_text_file", "arguments": [:]]) }
    }
}
