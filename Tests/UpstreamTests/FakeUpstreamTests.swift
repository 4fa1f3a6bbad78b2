import Foundation
import HTTP
import JSONRPC
import Testing
import TestSupport

/// Checks of the loopback fake upstream itself, through the HTTP engine (libcurl) and raw sockets.
@Suite struct FakeUpstreamTests {
    /// An engine of these tests' own (one connection pool).
    private static let engine = HTTPEngine()

    /// Sends `request` and reads the whole body.
    private static func fetch(_ request: HTTPRequest, engine: HTTPEngine = engine) async throws -> (Data, HTTPResponseHead) {
        let response = try await engine.send(request, timeouts: Timeouts(request: 120))
        var data = Data()
        for try await chunk in response.body { data.append(chunk) }
        return (data, response.head)
    }

    private static func get(_ upstream: FakeUpstream, _ path: String) -> HTTPRequest {
        HTTPRequest(method: "GET", url: upstream.baseURL + path)
    }

    @Test func jsonResponseAndRecordedRequest() async throws {
        let upstream = try FakeUpstream { _ in .chatCompletion("Hello there", model: "gpt-test") }
        defer { upstream.stop() }
        let sent: JSONValue = ["model": "gpt-test", "messages": [["role": "user", "content": "Hi"]], "seed": 12345678901234]
        let request = HTTPRequest(method: "POST", url: upstream.baseURL + "/chat/completions?trace=1",
                                  headers: [("Authorization", "Bearer sk-test"), ("Content-Type", "application/json"),
                                            ("X-Custom-Header", "yes")],
                                  body: .bytes(sent.serialized()))

        let (data, response) = try await Self.fetch(request)

        #expect(response.status == 200)
        #expect(response.contentType == "application/json")
        let body = try JSONParser.parse(Array(data))
        #expect(body["id"] == "chatcmpl-test")
        #expect(body["object"] == "chat.completion")
        #expect(body["model"] == "gpt-test")
        #expect(body["choices"]?.arrayValue?.first?["message"]?["content"] == "Hello there")
        #expect(body["usage"]?["total_tokens"]?.intValue == FakeResponse.cannedPromptTokens + 2)

        let recorded = try #require(upstream.requests.first)
        #expect(upstream.requests.count == 1)
        #expect(recorded.method == "POST")
        #expect(recorded.path == "/v1/chat/completions?trace=1")
        #expect(recorded.header("authorization") == "Bearer sk-test")
        #expect(recorded.header("X-CUSTOM-HEADER") == "yes")
        #expect(recorded.headers["content-type"] == "application/json")
        #expect(recorded.json == sent)
    }

    @Test func errorResponseHasOpenAIShape() async throws {
        let upstream = try FakeUpstream { _ in
            .error(status: 429, message: "slow down", type: "rate_limit_error", code: "rate_limit_exceeded",
                   headers: [("Retry-After", "1")])
        }
        defer { upstream.stop() }
        let (data, response) = try await Self.fetch(Self.get(upstream, "/models"))
        #expect(response.status == 429)
        #expect(response.headers["retry-after"] == "1")
        let expected: JSONValue = [
            "error": ["message": "slow down", "type": "rate_limit_error", "param": .null, "code": "rate_limit_exceeded"],
        ]
        #expect(try JSONParser.parse(Array(data)) == expected)
    }

    @Test func responsesAreServedInSequence() throws {
        let upstream = try FakeUpstream(responses: [.error(status: 503, message: "busy"), .text("ok")])
        defer { upstream.stop() }
        let client = try LoopbackClient(port: upstream.port)
        var statuses: [Int] = []
        for _ in 0..<3 {
            try client.send("GET /v1/models HTTP/1.1\r\nHost: x\r\n\r\n")
            statuses.append(try client.readResponse().status)
        }
        #expect(statuses == [503, 200, 200])
    }

    @Test func sseStreamArrivesInOrderWithDone() async throws {
        let upstream = try FakeUpstream { _ in .sse(["{\"n\":1}", "{\"n\":2}", "{\"n\":3}"], delay: 0.02) }
        defer { upstream.stop() }
        let (data, response) = try await Self.fetch(Self.get(upstream, "/chat/completions"))
        #expect(response.contentType == "text/event-stream")
        #expect(String(decoding: data, as: UTF8.self)
            == "data: {\"n\":1}\n\ndata: {\"n\":2}\n\ndata: {\"n\":3}\n\ndata: [DONE]\n\n")

        // On the wire it is chunked, without a Content-Length.
        let client = try LoopbackClient(port: upstream.port)
        try client.send("GET /v1/chat/completions HTTP/1.1\r\nHost: x\r\n\r\n")
        let raw = try client.readResponse()
        #expect(raw.headers["transfer-encoding"] == "chunked")
        #expect(raw.headers["content-length"] == nil)
        #expect(raw.text.hasSuffix("data: [DONE]\n\n"))
    }

    @Test func chatStreamDeltasReassemble() throws {
        let upstream = try FakeUpstream { _ in .chatStream(["Hel", "lo", "!"], model: "m") }
        defer { upstream.stop() }
        let client = try LoopbackClient(port: upstream.port)
        try client.send("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}")
        let response = try client.readResponse()
        let events = response.text.components(separatedBy: "\n\n").filter { !$0.isEmpty }
        #expect(events.last == "data: [DONE]")
        let chunks = try events.dropLast().map { try JSONParser.parse(String($0.dropFirst("data: ".count))) }
        #expect(chunks.count == 6)
        #expect(chunks.allSatisfy { $0["id"] == "chatcmpl-test" && $0["model"] == "m" })
        let firstDelta = chunks.first?["choices"]?.arrayValue?.first?["delta"]
        #expect(firstDelta == ["role": "assistant", "content": ""])
        let content = chunks.compactMap { $0["choices"]?.arrayValue?.first?["delta"]?["content"]?.stringValue }.joined()
        #expect(content == "Hello!")
        #expect(chunks[4]["choices"]?.arrayValue?.first?["finish_reason"] == "stop")
        #expect(chunks[5]["choices"] == [])
        #expect(chunks[5]["usage"]?["completion_tokens"] == 3)
    }

    @Test func theEngineReusesOneConnection() async throws {
        let upstream = try FakeUpstream { request in .text("answer to \(request.path)") }
        defer { upstream.stop() }
        let engine = HTTPEngine()
        let (first, _) = try await Self.fetch(Self.get(upstream, "/one"), engine: engine)
        let (second, _) = try await Self.fetch(Self.get(upstream, "/two"), engine: engine)
        #expect(String(decoding: first, as: UTF8.self) == "answer to /v1/one")
        #expect(String(decoding: second, as: UTF8.self) == "answer to /v1/two")
        #expect(upstream.requests.map(\.path) == ["/v1/one", "/v1/two"])
        #expect(upstream.connectionCount == 1)
    }

    @Test func keepAliveServesPipelinedRequestsOnOneSocket() throws {
        let upstream = try FakeUpstream { request in .text(request.method + " " + request.path) }
        defer { upstream.stop() }
        let client = try LoopbackClient(port: upstream.port)
        try client.send("GET /a HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(try client.readResponse().text == "GET /a")
        // Two more requests in one write: the second must not be lost in the first one's buffer.
        try client.send("POST /b HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabcDELETE /c HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(try client.readResponse().text == "POST /b")
        #expect(try client.readResponse().text == "DELETE /c")
        #expect(upstream.connectionCount == 1)
        #expect(upstream.requests.map(\.body) == [[], Array("abc".utf8), []])
    }

    @Test func connectionCloseIsHonoured() throws {
        let upstream = try FakeUpstream { _ in .text("bye") }
        defer { upstream.stop() }
        let client = try LoopbackClient(port: upstream.port)
        try client.send("GET /v1/models HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        let response = try client.readResponse()
        #expect(response.text == "bye")
        #expect(response.headers["connection"] == "close")
        #expect(client.waitForClose(seconds: 2))
    }

    @Test func closeMidBodyFailsTheClient() async throws {
        let upstream = try FakeUpstream { request in
            if request.path.hasSuffix("/sized") {
                FakeResponse(headers: [("Content-Length", "1000")], steps: [.send(Array(repeating: 0x41, count: 10)), .close])
            } else {
                FakeResponse(
                    headers: [("Content-Type", "text/event-stream")],
                    steps: [.send(Array("data: {}\n\n".utf8)), .close], chunked: true)
            }
        }
        defer { upstream.stop() }
        let started = Date()
        await #expect(throws: (any Error).self) {
            _ = try await Self.fetch(Self.get(upstream, "/sized"))
        }
        await #expect(throws: (any Error).self) {
            _ = try await Self.fetch(Self.get(upstream, "/chunked"))
        }
        // Failed by the dropped connection, not by the 120 s timeout. The bound is loose because
        // synchronous end-to-end tests can hold the cooperative pool (2 threads here) for a while.
        #expect(Date().timeIntervalSince(started) < 60)
        #expect(upstream.requests.count == 2)
    }

    @Test func closeBeforeTheHeadersSendsNothing() throws {
        let upstream = try FakeUpstream { _ in FakeResponse(status: 200, steps: [.close]) }
        defer { upstream.stop() }
        let client = try LoopbackClient(port: upstream.port)
        try client.send("GET /v1/models HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(throws: HTTPReadError.connectionClosed) { _ = try client.readResponse() }
        #expect(upstream.requests.map(\.path) == ["/v1/models"])
    }

    @Test func chunkedRequestBodyIsDecoded() throws {
        let upstream = try FakeUpstream { request in .text(String(request.body.count)) }
        defer { upstream.stop() }
        let client = try LoopbackClient(port: upstream.port)
        try client.send(
            "POST /v1/upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "5\r\nhello\r\n"
                + "1;ext=1\r\n \r\n"
                + "B\r\nworld, 0123\r\n"
                + "0\r\nX-Trailer: t\r\n\r\n")
        #expect(try client.readResponse().text == "17")
        #expect(upstream.requests.first?.body == Array("hello world, 0123".utf8))
    }

    @Test func expectContinueIsAnsweredBeforeTheBody() throws {
        let upstream = try FakeUpstream { request in .text("got " + String(decoding: request.body, as: UTF8.self)) }
        defer { upstream.stop() }
        let client = try LoopbackClient(port: upstream.port, timeout: 2)
        try client.send("POST /v1/files HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n")
        // The body has not been sent: only the interim answer can arrive.
        let interim = try client.readResponse()
        #expect(interim.status == 100)
        try client.send("data")
        let final = try client.readResponse()
        #expect(final.status == 200)
        #expect(final.text == "got data")
    }

    @Test func largeUploadThroughTheEngine() async throws {
        let upstream = try FakeUpstream { request in .json(["size": .number(request.body.count)]) }
        defer { upstream.stop() }
        let payload = (0..<(2 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let request = HTTPRequest(method: "POST", url: upstream.baseURL + "/files", headers: [("Content-Type", "application/octet-stream")],
                                  body: .bytes(payload))
        let (data, response) = try await Self.fetch(request)
        #expect(response.status == 200)
        #expect(try JSONParser.parse(Array(data))["size"]?.intValue == payload.count)
        #expect(upstream.requests.first?.body == payload)
    }

    @Test func multipartBodyIsSplitIntoParts() async throws {
        let upstream = try FakeUpstream { _ in .json(["ok": true]) }
        defer { upstream.stop() }
        let boundary = "----sbBoundary7MA4YWxk"
        // File bytes that look like delimiters and line ends must survive untouched.
        let fileBytes: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x2D, 0x2D, 0x00, 0xFF, 0x0D, 0x0A]
        var body: [UInt8] = []
        body += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nvision\r\n".utf8)
        body += Array(("--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a; b.png\"\r\n"
            + "Content-Type: image/png\r\n\r\n").utf8)
        body += fileBytes
        body += Array("\r\n--\(boundary)--\r\n".utf8)
        let request = HTTPRequest(method: "POST", url: upstream.baseURL + "/files",
                                  headers: [("Content-Type", "multipart/form-data; boundary=\(boundary)")], body: .bytes(body))
        _ = try await Self.fetch(request)

        let parts = try #require(upstream.requests.first?.multipartParts)
        #expect(parts == [
            MultipartPart(name: "purpose", body: Array("vision".utf8)),
            MultipartPart(name: "file", filename: "a; b.png", contentType: "image/png", body: fileBytes),
        ])
        #expect(upstream.requests.first?.json == nil)
    }

    @Test func multipartNeedsAMultipartContentType() {
        let body = Array("--b\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\n1\r\n--b--\r\n".utf8)
        let plain = RecordedRequest(method: "POST", path: "/", headers: ["Content-Type": "text/plain"], body: body)
        #expect(plain.multipartParts == nil)
        let quoted = RecordedRequest(
            method: "POST", path: "/", headers: ["Content-Type": "multipart/form-data; boundary=\"b\""], body: body)
        #expect(quoted.multipartParts == [MultipartPart(name: "x", body: Array("1".utf8))])
    }

    @Test func stopEndsAStalledResponsePromptly() throws {
        let upstream = try FakeUpstream { request in
            if request.path == "/idle" { return .text("done") }
            return FakeResponse(
                headers: [("Content-Type", "text/event-stream")], steps: [.send(Array("data: 1\n\n".utf8)), .stall],
                chunked: true)
        }
        // One connection kept alive and idle (its server thread blocks reading the next request)...
        let idle = try LoopbackClient(port: upstream.port)
        try idle.send("GET /idle HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(try idle.readResponse().text == "done")
        // ...and one whose response stalls.
        let stalled = try LoopbackClient(port: upstream.port)
        try stalled.send("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n")
        #expect(upstream.waitForRequests(2))
        #expect(!stalled.waitForClose(seconds: 0.2))

        let started = Date()
        upstream.stop()
        #expect(Date().timeIntervalSince(started) < 3)
        #expect(stalled.waitForClose(seconds: 1))
        #expect(idle.waitForClose(seconds: 1))
        upstream.stop()  // idempotent
        #expect(upstream.requests.count == 2)
        #expect(throws: SocketError.self) { _ = try LoopbackClient(port: upstream.port) }
    }

    @Test func stopCutsShortASleepingResponse() async throws {
        let upstream = try FakeUpstream { _ in .sse(["a", "b"], delay: 30) }
        let task = Task { try await Self.fetch(Self.get(upstream, "/chat/completions")) }
        #expect(await upstream.waitForRequests(1, timeout: 30))
        let started = Date()
        upstream.stop()
        #expect(Date().timeIntervalSince(started) < 3)
        // The stream ended without its final chunk: the client sees an error, not a body.
        await #expect(throws: (any Error).self) { _ = try await task.value }
    }

    @Test func malformedRequestGets400() throws {
        let upstream = try FakeUpstream { _ in .text("unreachable") }
        defer { upstream.stop() }
        let client = try LoopbackClient(port: upstream.port)
        try client.send("NONSENSE\r\n\r\n")
        let response = try client.readResponse()
        #expect(response.status == 400)
        #expect(upstream.requests.isEmpty)
    }
}
