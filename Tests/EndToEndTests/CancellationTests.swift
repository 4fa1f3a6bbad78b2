import Foundation
import JSONRPC
import Testing
import TestSupport

extension EndToEnd {
@Suite("cancellation end to end")
struct CancellationTests {
    static func stalledStream(after text: String) -> FakeResponse {
        let chunk = #"{"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"\#(text)"},"finish_reason":null}]}"#
        return FakeResponse(status: 200, headers: [("Content-Type", "text/event-stream")],
                            steps: [.send(Array("data: \(chunk)\n\n".utf8)), .stall], chunked: true)
    }

    @Test func cancelRequestAnswersWithThePartialOutputAndKeepsServing() throws {
        let harness = try Harness(responses: [Self.stalledStream(after: "half an answer"), .chatCompletion("next one")])
        harness.daemon.send(["jsonrpc": "2.0", "id": "a", "method": "chat.complete", "params": chatParams(stream: true)])
        #expect(try harness.daemon.next()["method"] == "chat.delta")
        let started = Date()
        harness.daemon.send(["jsonrpc": "2.0", "method": "$/cancelRequest", "params": ["id": "a"]])
        let (cancelled, _) = try harness.daemon.response(to: "a")
        #expect(Date().timeIntervalSince(started) < 2)
        #expect(cancelled.errorCode == -32800)
        #expect(cancelled["error"]?["data"]?["reason"] == "cancelled")
        #expect(cancelled["error"]?["data"]?["partial"]?["choices"]?[0]?["message"]?["content"] == "half an answer")
        #expect(harness.upstream.waitForOpenConnections(atMost: 0), "the upstream HTTP request was aborted")
        let (next, _) = try harness.daemon.call("chat.complete", chatParams(), id: "b")
        #expect(next.answer == "next one")
        try harness.finish()
    }

    @Test func cancellingBeforeTheUpstreamAnswersStillGetsOneResponse() throws {
        let harness = try Harness(responses: [FakeResponse(steps: [.stall])])
        harness.daemon.send(["jsonrpc": "2.0", "id": 9, "method": "chat.complete", "params": chatParams()])
        Thread.sleep(forTimeInterval: 0.2)
        harness.daemon.send(["jsonrpc": "2.0", "method": "$/cancelRequest", "params": ["id": 9]])
        let messages = try harness.finish()
        #expect(messages.count == 1)
        #expect(messages.first?.errorCode == -32800)
        #expect(messages.first?["error"]?["data"]?["partial"] == nil)
    }

    /// A cancel that arrives before the request has reached the upstream (written right behind it)
    /// must still produce exactly one answer per request, and the daemon must exit at end of input.
    @Test(arguments: [false, true])
    func requestsCancelledBeforeTheyStartAreAllAnswered(stream: Bool) throws {
        let harness = try Harness { _ in .chatStream(["never", " seen"], delay: 0.05) }
        var burst: [UInt8] = []
        for id in 0..<200 {
            let request: JSONValue = ["jsonrpc": "2.0", "id": .number(id), "method": "chat.complete", "params": chatParams(stream: stream)]
            let cancel: JSONValue = ["jsonrpc": "2.0", "method": "$/cancelRequest", "params": ["id": .number(id)]]
            burst += request.serialized() + [0x0A] + cancel.serialized() + [0x0A]
        }
        harness.daemon.write(burst)
        let messages = try harness.finish()
        let answered = Set(messages.filter { $0["method"] == nil }.compactMap { $0["id"]?.intValue })
        #expect(answered == Set(0..<200))
    }

    @Test func cancellingAnUnknownIDChangesNothing() throws {
        let harness = try Harness(responses: [.chatCompletion("unaffected")])
        harness.daemon.send(["jsonrpc": "2.0", "method": "$/cancelRequest", "params": ["id": 404]])
        let (response, before) = try harness.daemon.call("chat.complete", chatParams())
        #expect(before.isEmpty)
        #expect(response.answer == "unaffected")
        try harness.finish()
    }
}
}
