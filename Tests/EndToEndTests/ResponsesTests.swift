import Foundation
import JSONRPC
import Testing
import TestSupport

extension EndToEnd {
@Suite("responses.* end to end")
struct ResponsesTests {
    /// The `responses.event` notifications among `messages`.
    static func events(_ messages: [JSONValue]) -> [JSONValue] {
        messages.filter { $0["method"] == "responses.event" }
    }

    @Test func aNonStreamedResponseIsPassedThroughBothWays() throws {
        let answer = FakeResponse.responseObject("Bonjour")
        let harness = try Harness(arguments: ["--model", "gpt-5-mini"], responses: [.json(answer)])
        let params: JSONValue = ["input": "Say hello in French", "instructions": "Be brief.", "reasoning": ["effort": "minimal"],
                                 "x_vendor": [1, 2], "profile": .null]
        let (response, before) = try harness.daemon.call("responses.create", params)
        try harness.finish()
        #expect(before.isEmpty)
        #expect(response["result"] == answer)
        let request = try #require(harness.upstream.requests.first)
        #expect(request.method == "POST")
        #expect(request.path == "/v1/responses")
        #expect(request.header("accept") == "application/json")
        #expect(request.json == ["input": "Say hello in French", "instructions": "Be brief.", "reasoning": ["effort": "minimal"],
                                 "x_vendor": [1, 2], "model": "gpt-5-mini"])
    }

    @Test func aStreamRelaysEveryEventInOrderAndAnswersWithTheCompletedResponse() throws {
        let pieces = ["Bon", "jour", " !"]
        let expected = FakeResponse.responsesEvents(pieces)
        let harness = try Harness(responses: [.responsesStream(pieces)])
        let (response, before) = try harness.daemon.call("responses.create", ["model": "gpt-5-mini", "input": "Hi", "stream": true])
        try harness.finish()
        #expect(before.count == expected.count, "only responses.event notifications, one per event")
        #expect(Self.events(before).map { $0["params"]?["type"]?.stringValue } == expected.map(\.name))
        #expect(Self.events(before).map { $0["params"]?["event"] } == expected.map(\.payload), "each event relayed unchanged")
        #expect(before.allSatisfy { $0["params"]?["request_id"] == 1 })
        let text = Self.events(before).compactMap { $0["params"]?["type"] == "response.output_text.delta" ? $0["params"]?["event"]?["delta"]?.stringValue : nil }
        #expect(text.joined() == "Bonjour !")
        #expect(response["result"] == FakeResponse.responseObject("Bonjour !"))
        let request = try #require(harness.upstream.requests.first)
        #expect(request.json == ["model": "gpt-5-mini", "input": "Hi", "stream": true], "no stream_options: the Responses API has none")
        #expect(request.header("accept") == "text/event-stream")
    }

    @Test func anIncompleteResponseIsTheResult() throws {
        var events = FakeResponse.responsesEvents(["Cut"], complete: false)
        var incomplete = FakeResponse.responseObject("Cut", status: "incomplete")
        incomplete["incomplete_details"] = ["reason": "max_output_tokens"]
        events.append(("response.incomplete", ["type": "response.incomplete", "response": incomplete, "sequence_number": 99]))
        let harness = try Harness(responses: [.namedSSE(events)])
        let (response, _) = try harness.daemon.call("responses.create", ["input": "Hi", "stream": true, "max_output_tokens": 16])
        try harness.finish()
        #expect(response["result"] == incomplete)
    }

    @Test func aStreamCutBeforeResponseCompletedFailsWithTheTextSoFar() throws {
        let harness = try Harness(responses: [.responsesStream(["Half ", "an answer"], complete: false)])
        let (response, before) = try harness.daemon.call("responses.create", ["input": "Hi", "stream": true])
        try harness.finish()
        #expect(Self.events(before).count == FakeResponse.responsesEvents(["Half ", "an answer"], complete: false).count)
        #expect(response.errorCode == -32004)
        #expect(response["error"]?["data"]?["reason"]?.stringValue?.contains("response.completed") == true)
        let partial = try #require(response["error"]?["data"]?["partial"])
        #expect(partial["output_text"] == "Half an answer")
        #expect(partial["id"] == "resp_test")
        #expect(partial["status"] == "in_progress")
        #expect(partial["output"]?[0]?["content"]?[0]?["text"] == "Half an answer", "the finished output item")
    }

    @Test func aFailedResponseIsRelayedThenAnsweredWithItsError() throws {
        var events = Array(FakeResponse.responsesEvents(["Some"], complete: false).prefix(5))
        var failed = FakeResponse.responseObject("", status: "failed")
        failed["error"] = ["code": "server_error", "message": "The model crashed."]
        events.append(("response.failed", ["type": "response.failed", "response": failed, "sequence_number": 5]))
        let harness = try Harness(responses: [.namedSSE(events)])
        let (response, before) = try harness.daemon.call("responses.create", ["input": "Hi", "stream": true])
        try harness.finish()
        #expect(Self.events(before).last?["params"]?["type"] == "response.failed", "the failure is relayed too")
        #expect(response.errorCode == -32004)
        #expect(response["error"]?["message"]?.stringValue?.contains("The model crashed.") == true)
        #expect(response["error"]?["data"]?["error"] == ["code": "server_error", "message": "The model crashed."])
        #expect(response["error"]?["data"]?["partial"]?["output_text"] == "Some")
    }

    @Test func anErrorEventEndsTheRequest() throws {
        let events = Array(FakeResponse.responsesEvents(["x"], complete: false).prefix(2))
            + [("error", ["type": "error", "code": "rate_limit_exceeded", "message": "Slow down.", "param": .null, "sequence_number": 2])]
        let harness = try Harness(responses: [.namedSSE(events)])
        let (response, before) = try harness.daemon.call("responses.create", ["input": "Hi", "stream": true])
        try harness.finish()
        #expect(Self.events(before).map { $0["params"]?["type"] } == ["response.created", "response.in_progress", "error"])
        #expect(response.errorCode == -32004)
        #expect(response["error"]?["data"]?["error"]?["code"] == "rate_limit_exceeded")
    }

    @Test func cancellingAStreamAnswersWithTheTextSoFarAndAbortsTheUpstream() throws {
        let head = FakeResponse.responsesEvents(["Once upon"], complete: false).prefix(5)
        var stalled = FakeResponse.namedSSE(Array(head))
        stalled.steps.append(.stall)
        let harness = try Harness(responses: [stalled])
        harness.daemon.send(["jsonrpc": "2.0", "id": "r", "method": "responses.create", "params": ["input": "A story", "stream": true]])
        for _ in head { #expect(try harness.daemon.next()["method"] == "responses.event") }
        harness.daemon.send(["jsonrpc": "2.0", "method": "$/cancelRequest", "params": ["id": "r"]])
        let (cancelled, _) = try harness.daemon.response(to: "r")
        #expect(cancelled.errorCode == -32800)
        #expect(cancelled["error"]?["data"]?["partial"]?["output_text"] == "Once upon")
        #expect(harness.upstream.waitForOpenConnections(atMost: 0), "the upstream HTTP request was aborted")
        try harness.finish()
    }

    @Test func localImagesInInputImagePartsAreInlined() throws {
        let png = try MediaFixtures.file("dot.png", MediaFixtures.png)
        let harness = try Harness(responses: [.json(FakeResponse.responseObject("A dot."))])
        let input: JSONValue = [["role": "user", "content": [
            ["type": "input_text", "text": "What is this?"],
            ["type": "input_image", "image_url": .string(png), "detail": "low"],
            ["type": "input_image", "image_url": "https://example.com/a.png"],
        ]]]
        let (response, _) = try harness.daemon.call("responses.create", ["input": input])
        let (missing, _) = try harness.daemon.call("responses.create", ["input": [["role": "user", "content": [
            ["type": "input_image", "image_url": "/nonexistent/x.png"]]]]], id: 2)
        try harness.finish()
        #expect(response["result"]?["output"]?[0]?["content"]?[0]?["text"] == "A dot.")
        let parts = try #require(harness.upstream.requests.first?.json?["input"]?[0]?["content"]?.arrayValue)
        #expect(parts[1] == ["type": "input_image", "image_url": .string("data:image/png;base64," + Data(MediaFixtures.png).base64EncodedString()), "detail": "low"])
        #expect(parts[2] == ["type": "input_image", "image_url": "https://example.com/a.png"])
        #expect(missing.errorCode == -32006)
        #expect(missing["error"]?["data"]?["field"] == "input.0.content.0.image_url")
        #expect(harness.upstream.requests.count == 1)
    }

    @Test func storedResponsesAreFetchedCancelledAndDeleted() throws {
        let queued = FakeResponse.responseObject("", id: "resp_bg", status: "queued")
        let cancelled = FakeResponse.responseObject("", id: "resp_bg", status: "cancelled")
        let deleted: JSONValue = ["id": "resp_bg", "object": "response", "deleted": true]
        let harness = try Harness(responses: [.json(queued), .json(queued), .json(cancelled), .json(deleted)])
        let (created, _) = try harness.daemon.call("responses.create", ["input": "A long job", "background": true])
        let (fetched, _) = try harness.daemon.call("responses.get", ["response_id": "resp_bg"], id: 2)
        let (stopped, _) = try harness.daemon.call("responses.cancel", ["response_id": "resp_bg"], id: 3)
        let (removed, _) = try harness.daemon.call("responses.delete", ["response_id": "resp_bg"], id: 4)
        try harness.finish()
        #expect(created["result"] == queued)
        #expect(fetched["result"] == queued)
        #expect(stopped["result"] == cancelled)
        #expect(removed["result"] == deleted)
        let requests = harness.upstream.requests.map { "\($0.method) \($0.path)" }
        #expect(requests == ["POST /v1/responses", "GET /v1/responses/resp_bg", "POST /v1/responses/resp_bg/cancel", "DELETE /v1/responses/resp_bg"])
        #expect(harness.upstream.requests.first?.json?["background"] == true)
    }

    @Test func aFailedStoredResponseIsAResultAndAnUnknownOneAnUpstreamError() throws {
        var failed = FakeResponse.responseObject("", id: "resp_f", status: "failed")
        failed["error"] = ["code": "server_error", "message": "The model crashed."]
        let harness = try Harness(responses: [.json(failed), .error(status: 404, message: "Response with id 'resp_x' not found.")])
        let (fetched, _) = try harness.daemon.call("responses.get", ["response_id": "resp_f", "include": ["message.output_text.logprobs"]])
        let (unknown, _) = try harness.daemon.call("responses.get", ["response_id": "resp_x"], id: 2)
        try harness.finish()
        #expect(fetched["result"] == failed, "a response's own error field is data, not a failure of the call")
        #expect(unknown.errorCode == -32001)
        #expect(unknown["error"]?["data"]?["status"] == 404)
        #expect(harness.upstream.requests.map(\.path) == ["/v1/responses/resp_f?include%5B%5D=message.output_text.logprobs", "/v1/responses/resp_x"],
                "include goes in the query as include[]")
    }

    @Test(arguments: [JSONValue.null, "", "a/b", "..", 42])
    func badResponseIdsAreInvalidParams(id: JSONValue) throws {
        let harness = try Harness(responses: [])
        let (response, _) = try harness.daemon.call("responses.delete", ["response_id": id])
        try harness.finish()
        #expect(response.errorCode == -32602)
        #expect(response["error"]?["data"]?["field"] == "response_id")
        #expect(harness.upstream.requests.isEmpty)
    }

    @Test func anInputThatIsNeitherTextNorItemsIsInvalidParams() throws {
        let harness = try Harness(responses: [])
        let (response, _) = try harness.daemon.call("responses.create", ["input": 3])
        try harness.finish()
        #expect(response["error"]?["data"]?["field"] == "input")
        #expect(harness.upstream.requests.isEmpty)
    }
}
}
