import Foundation
import JSONRPC
import Testing
import TestSupport

extension EndToEnd {
@Suite("upstream faults end to end")
struct UpstreamFaultTests {
    @Test func unauthorizedIsAnUpstreamErrorWithTheStatusAndErrorObject() throws {
        let harness = try Harness(responses: [.error(status: 401, message: "Incorrect API key provided", type: "invalid_request_error", code: "invalid_api_key")])
        let (response, _) = try harness.daemon.call("chat.complete", chatParams())
        try harness.finish()
        #expect(response.errorCode == -32001)
        let error = try #require(response["error"])
        #expect(error["data"]?["status"] == 401)
        #expect(error["data"]?["error"]?["code"] == "invalid_api_key")
        #expect(error["message"]?.stringValue?.contains("Incorrect API key provided") == true)
        #expect(harness.upstream.requests.count == 1, "401 is not retried")
    }

    @Test func serverErrorsAreRetriedThenSucceed() throws {
        let harness = try Harness(responses: [.error(status: 500, message: "boom", type: "server_error"),
                                              .error(status: 503, message: "busy", type: "server_error", headers: [("Retry-After", "0")]),
                                              .chatCompletion("third time lucky")])
        let (response, _) = try harness.daemon.call("chat.complete", chatParams())
        try harness.finish()
        #expect(response.answer == "third time lucky")
        #expect(harness.upstream.requests.count == 3)
    }

    @Test func persistentServerErrorsGiveUpAfterMaxRetries() throws {
        let harness = try Harness(arguments: ["--max-retries", "1"], responses: [], fallback: .error(status: 500, message: "always down", type: "server_error"))
        let (response, _) = try harness.daemon.call("chat.complete", chatParams())
        try harness.finish()
        #expect(response.errorCode == -32001)
        #expect(response["error"]?["data"]?["status"] == 500)
        #expect(harness.upstream.requests.count == 2)
    }

    @Test func rateLimitHonoursRetryAfter() throws {
        let harness = try Harness(responses: [.error(status: 429, message: "slow down", type: "rate_limit_error", headers: [("Retry-After", "1")]),
                                              .chatCompletion("after waiting")])
        let started = Date()
        let (response, _) = try harness.daemon.call("chat.complete", chatParams())
        let waited = Date().timeIntervalSince(started)
        try harness.finish()
        #expect(response.answer == "after waiting")
        #expect(waited >= 0.95, "waited \(waited) s for Retry-After: 1")
        #expect(harness.upstream.requests.count == 2)
    }

    @Test func rateLimitWithALongRetryAfterIsReportedNotWaitedFor() throws {
        let harness = try Harness(responses: [.error(status: 429, message: "quota", type: "rate_limit_error", headers: [("Retry-After", "3600")])])
        let (response, _) = try harness.daemon.call("chat.complete", chatParams(), timeout: 5)
        try harness.finish()
        #expect(response.errorCode == -32001)
        #expect(response["error"]?["data"]?["retry_after"] == 3600)
        #expect(harness.upstream.requests.count == 1)
    }

    @Test func anHTMLErrorPageFromAProxyIsMadeReadable() throws {
        let page = "<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>"
        let harness = try Harness(arguments: ["--max-retries", "0"], responses: [.text(page, status: 502, contentType: "text/html")])
        let (response, _) = try harness.daemon.call("chat.complete", chatParams())
        try harness.finish()
        #expect(response.errorCode == -32001)
        #expect(response["error"]?["message"]?.stringValue?.contains("502 Bad Gateway") == true)
        #expect(response["error"]?["data"]?["body"]?.stringValue?.contains("<h1>") == true)
    }

    @Test func aRefusedConnectionIsUnreachable() throws {
        let harness = try Harness(arguments: ["--max-retries", "1"], responses: [])
        let closedURL = harness.upstream.baseURL
        harness.upstream.stop()
        _ = try harness.daemon.call("config.update", ["base_url": .string(closedURL)])
        let (response, _) = try harness.daemon.call("chat.complete", chatParams(), id: 2)
        try harness.finish()
        #expect(response.errorCode == -32002)
        #expect(response["error"]?["data"]?["reason"]?.stringValue?.isEmpty == false)
    }

    @Test func aStreamDroppedMidwayIsAnErrorCarryingThePartialAnswer() throws {
        let chunk = #"{"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"partial text"},"finish_reason":null}]}"#
        let dropped = FakeResponse(status: 200, headers: [("Content-Type", "text/event-stream")],
                                   steps: [.send(Array("data: \(chunk)\n\n".utf8)), .sleep(0.05), .close], chunked: true)
        let harness = try Harness(responses: [dropped, .chatCompletion("must not be used")])
        let (response, before) = try harness.daemon.call("chat.complete", chatParams(stream: true))
        try harness.finish()
        #expect(streamedText(before) == "partial text")
        #expect(response.errorCode == -32004)
        #expect(response["error"]?["data"]?["partial"]?["choices"]?[0]?["message"]?["content"] == "partial text")
        #expect(harness.upstream.requests.count == 1, "never retried after a delta was sent")
    }

    @Test func garbageInTheStreamIsABadResponse() throws {
        let harness = try Harness(responses: [.sse(["this is not json"])])
        let (response, _) = try harness.daemon.call("chat.complete", chatParams(stream: true))
        try harness.finish()
        #expect(response.errorCode == -32004)
        #expect(response["error"]?["message"]?.stringValue?.contains("not JSON") == true)
    }

    @Test func anErrorEventInsideTheStreamIsReported() throws {
        let harness = try Harness(responses: [.sse([#"{"error":{"message":"upstream overloaded","type":"server_error"}}"#], done: false)])
        let (response, _) = try harness.daemon.call("chat.complete", chatParams(stream: true))
        try harness.finish()
        #expect(response.errorCode == -32004)
        #expect(response["error"]?["data"]?["error"]?["message"] == "upstream overloaded")
    }

    @Test func aStalledStreamHitsTheIdleTimeoutWithItsPartialAnswer() throws {
        let chunk = #"{"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"so far"},"finish_reason":null}]}"#
        let stalled = FakeResponse(status: 200, headers: [("Content-Type", "text/event-stream")],
                                   steps: [.send(Array("data: \(chunk)\n\n".utf8)), .stall], chunked: true)
        let harness = try Harness(arguments: ["--idle-timeout", "0.5"], responses: [stalled])
        let started = Date()
        let (response, _) = try harness.daemon.call("chat.complete", chatParams(stream: true))
        let elapsed = Date().timeIntervalSince(started)
        try harness.finish()
        #expect(response.errorCode == -32003)
        #expect(response["error"]?["data"]?["kind"] == "idle")
        #expect(response["error"]?["data"]?["partial"]?["choices"]?[0]?["message"]?["content"] == "so far")
        #expect(elapsed >= 0.5 && elapsed < 5, "timed out after \(elapsed) s")
    }

    @Test func aRequestThatNeverAnswersHitsTheRequestTimeout() throws {
        let harness = try Harness(arguments: ["--timeout", "0.5", "--max-retries", "0"], responses: [FakeResponse(steps: [.stall])])
        let (response, _) = try harness.daemon.call("chat.complete", chatParams())
        try harness.finish()
        #expect(response.errorCode == -32003)
        #expect(response["error"]?["data"]?["kind"] == "request")
    }

    @Test func aNonJSONSuccessIsABadResponse() throws {
        let harness = try Harness(responses: [.text("<html>login page</html>", contentType: "text/html")])
        let (response, _) = try harness.daemon.call("chat.complete", chatParams())
        try harness.finish()
        #expect(response.errorCode == -32004)
        #expect(response["error"]?["message"]?.stringValue?.contains("text/html") == true)
    }
}
}
