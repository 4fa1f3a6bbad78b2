import Foundation
import JSONRPC
import Testing
import TestSupport

extension EndToEnd {
/// What retries cost, made visible: every upstream error says how many times the request was
/// sent, and a server that answers a well-formed error and closes the connection (llama.cpp's
/// server refusing an image) is not asked again.
@Suite("retry cost end to end")
struct RetryCostTests {
    /// llama-server's answer to a request it cannot serve.
    static let refusal = FakeResponse.json(["error": ["code": 500, "message": "image input is not supported by this server",
                                                      "type": "server_error"]],
                                           status: 500, headers: [("Connection", "close")])

    @Test func aPermanentRefusalIsSentOnceAndSaysSo() throws {
        let folder = try MediaFixtures.directory()
        let image = try MediaFixtures.file("photo.png", MediaFixtures.png, in: folder)
        let harness = try Harness(responses: [Self.refusal, Self.refusal, Self.refusal])
        let (response, _) = try harness.daemon.call("chat.describeImage", ["image": .string(image)])
        try harness.finish()
        #expect(response.errorCode == -32001)
        #expect(response["error"]?["data"]?["attempts"] == 1)
        #expect(response["error"]?["data"]?["error"]?["message"] == "image input is not supported by this server")
        #expect(harness.upstream.requests.count == 1, "the image was uploaded once, not three times")
    }

    @Test func aServerErrorThatKeepsTheConnectionIsRetriedAndTheCostShown() throws {
        let overloaded = FakeResponse.error(status: 500, message: "overloaded", type: "server_error")
        let harness = try Harness(responses: [overloaded, overloaded, overloaded])
        let (response, _) = try harness.daemon.call("chat.complete", chatParams(), timeout: 20)
        try harness.finish()
        #expect(harness.upstream.requests.count == 3)
        #expect(response.errorCode == -32001)
        #expect(response["error"]?["data"]?["attempts"] == 3)
        #expect(response["error"]?["message"]?.stringValue?.hasSuffix("(sent 3 times)") == true, "\(response)")
    }

    @Test func aRetryThatSucceedsThenFailsReportsTheAttemptsOfThatCall() throws {
        let dropped = FakeResponse(headers: [("Content-Type", "text/event-stream")],
                                   steps: [.send(Array("data: \(HostileUpstreamTests.chunk("half"))\n\n".utf8)), .close], chunked: true)
        let harness = try Harness(responses: [.error(status: 503, message: "busy"), dropped])
        let (response, _) = try harness.daemon.call("chat.complete", chatParams(stream: true), timeout: 20)
        try harness.finish()
        #expect(response.errorCode == -32004)
        #expect(response["error"]?["data"]?["attempts"] == 2)
        #expect(response["error"]?["data"]?["partial"]?["choices"]?[0]?["message"]?["content"] == "half")
    }
}
}
