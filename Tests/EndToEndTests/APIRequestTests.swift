import Foundation
import JSONRPC
import Testing
import TestSupport

extension EndToEnd {
@Suite("api.request end to end")
struct APIRequestTests {
    @Test func aJSONRequestCarriesItsQueryHeadersBodyAndKeyAndAnswersWithStatusHeadersAndBody() throws {
        let answer: JSONValue = ["id": "modr-1", "results": [["flagged": false]]]
        let harness = try Harness(responses: [.json(answer, headers: [("X-Request-Id", "req_42"), ("Set-Cookie", "__cf_bm=secret; path=/")])])
        let params: JSONValue = ["method": "post", "path": "moderations", "body": ["input": "hello", "model": "omni-moderation-latest"],
                                 "query": ["a": "b c&d=e", "include[]": ["x", "y"], "n": 2, "flag": true, "none": .null],
                                 "headers": ["OpenAI-Beta": "assistants=v2"]]
        let (response, before) = try harness.daemon.call("api.request", params)
        try harness.finish()
        #expect(before.isEmpty)
        let result = try #require(response["result"])
        #expect(result["status"] == 200)
        #expect(result["body"] == answer)
        #expect(result["headers"]?["x-request-id"] == "req_42")
        #expect(result["headers"]?["content-type"] == "application/json")
        #expect(result["headers"]?["set-cookie"] == nil, "cookies are not shown")
        let request = try #require(harness.upstream.requests.first)
        #expect(request.method == "POST")
        #expect(request.path == "/v1/moderations?a=b%20c%26d%3De&include%5B%5D=x&include%5B%5D=y&n=2&flag=true")
        #expect(request.header("authorization") == "Bearer \(testKey)")
        #expect(request.header("openai-beta") == "assistants=v2")
        #expect(request.header("content-type") == "application/json")
        #expect(request.json == ["input": "hello", "model": "omni-moderation-latest"])
    }

    @Test(arguments: ["https://elsewhere.example/v1/files", "//elsewhere.example/files", "http:files", "files/../../admin", "../v2/files",
                      "files/%2e%2e/admin", "files%2Fx", "files?purpose=batch", "files#x", "files\\..\\x", "files//x", "./files", "",
                      "files/\u{0}x", "/", "..;/..;/admin", "files/..;x/admin", "files/.;/x", "files/;/admin",
                      "files/../\u{30F}admin", "../\u{30F}admin"])
    func aPathThatCouldLeaveTheBaseURLIsRefusedBeforeAnythingIsSent(path: String) throws {
        let harness = try Harness(responses: [])
        let (response, _) = try harness.daemon.call("api.request", ["method": "GET", "path": .string(path)])
        try harness.finish()
        #expect(response.errorCode == -32602, "\(path)")
        #expect(response["error"]?["data"]?["field"] == "path")
        #expect(harness.upstream.requests.isEmpty)
    }

    @Test func aPostWithoutABodyCarriesNoContentType() throws {
        let harness = try Harness(responses: [.json(["id": "batch_1", "status": "cancelling"])])
        let (response, _) = try harness.daemon.call("api.request", ["method": "POST", "path": "batches/batch_1/cancel"])
        try harness.finish()
        #expect(response["result"]?["status"] == 200)
        let request = try #require(harness.upstream.requests.first { $0.method == "POST" })
        #expect(request.header("content-type") == nil, "libcurl's application/x-www-form-urlencoded is not sent")
        #expect(request.body.isEmpty)
    }

    @Test func badParamsAreRefusedBeforeAnythingIsSent() throws {
        let harness = try Harness(responses: [])
        let cases: [(JSONValue, String)] = [
            (["method": "GET", "path": "files", "headers": ["Authorization": "Bearer other"]], "headers.Authorization"),
            (["method": "GET", "path": "files", "headers": ["content-length": "3"]], "headers.content-length"),
            (["method": "GET", "path": "files", "headers": ["X-Evil": "a\r\nHost: elsewhere"]], "headers.X-Evil"),
            (["method": "GET", "path": "files", "headers": ["Bad Name": "x"]], "headers.Bad Name"),
            (["method": "GET", "path": "files", "body": ["a": 1]], "body"),
            (["method": "POST", "path": "files", "body": ["a": 1], "form": ["a": "b"]], "form"),
            (["method": "TRACE", "path": "files"], "method"),
            (["method": "GET", "path": "files", "bodyy": ["a": 1]], "bodyy"),
            (["method": "GET", "path": "files", "query": ["q": ["a": 1]]], "query.q"),
            (["method": "GET", "path": "files", "stream": true, "output_path": "/tmp/x.bin"], "output_path"),
            (["path": "files"], "method"),
            (["method": "POST", "path": "files", "form": ["file": ["file": "/etc/hostname", "content_type": "text/plain\r\nX-Evil: 1"]]],
             "form.file.content_type"),
        ]
        for (index, (params, field)) in cases.enumerated() {
            let (response, _) = try harness.daemon.call("api.request", params, id: .number(index + 1))
            #expect(response.errorCode == -32602, "\(params)")
            #expect(response["error"]?["data"]?["field"] == .string(field), "\(params)")
        }
        try harness.finish()
        #expect(harness.upstream.requests.isEmpty)
    }

    @Test func aFormUploadsLocalFilesAsMultipartAndCleansUp() throws {
        let lines = Array("{\"custom_id\":\"1\"}\n{\"custom_id\":\"2\"}\n".utf8)
        let path = try MediaFixtures.file("requests.jsonl", lines)
        let temporary = try MediaFixtures.directory()
        let uploaded: JSONValue = ["id": "file-1", "object": "file", "purpose": "batch", "bytes": .number(lines.count)]
        let harness = try Harness(environment: ["TMPDIR": temporary], responses: [.json(uploaded)])
        let form: JSONValue = ["purpose": "batch", "file": ["file": .string(path), "filename": "batch.jsonl", "content_type": "application/jsonl"],
                               "tags[]": ["a", 2], "meta": ["k": "v"]]
        let (response, _) = try harness.daemon.call("api.request", ["method": "POST", "path": "/files", "form": form])
        let (missing, _) = try harness.daemon.call("api.request", ["method": "POST", "path": "files", "form": ["file": ["file": "/nonexistent/x.jsonl"]]], id: 2)
        try harness.finish()
        #expect(response["result"]?["body"] == uploaded)
        #expect(missing.errorCode == -32006)
        #expect(missing["error"]?["data"]?["field"] == "form.file.file")
        #expect(harness.upstream.requests.count == 1)
        let request = try #require(harness.upstream.requests.first)
        #expect(request.path == "/v1/files")
        #expect(request.header("authorization") == "Bearer \(testKey)")
        let parts = try #require(request.multipartParts)
        #expect(parts.map(\.name) == ["purpose", "file", "tags[]", "tags[]", "meta"])
        #expect(parts.map(\.text) == ["batch", String(decoding: lines, as: UTF8.self), "a", "2", "{\"k\":\"v\"}"])
        #expect(parts[1].filename == "batch.jsonl")
        #expect(parts[1].contentType == "application/jsonl")
        #expect(MediaFixtures.names(in: temporary).isEmpty, "the multipart body file was removed")
    }

    @Test func binaryBodiesComeAsBase64OrGoToOutputPathAndTextAndEmptyBodiesAsTheyAre() throws {
        let folder = try MediaFixtures.directory()
        let harness = try Harness(responses: [.bytes(MediaFixtures.mp3), .bytes(MediaFixtures.png, contentType: "image/png"),
                                              .text("line one\nline two\n", contentType: "text/plain; charset=utf-8"),
                                              FakeResponse(status: 204, headers: [("Content-Length", "0")], steps: [.send([])]),
                                              .bytes(MediaFixtures.mp3)])
        let (saved, _) = try harness.daemon.call("api.request", ["method": "GET", "path": "files/file-1/content", "output_path": .string(folder + "/out.mp3")])
        let (inline, _) = try harness.daemon.call("api.request", ["method": "GET", "path": "files/file-2/content"], id: 2)
        let (text, _) = try harness.daemon.call("api.request", ["method": "GET", "path": "files/file-3/content"], id: 3)
        let (deleted, _) = try harness.daemon.call("api.request", ["method": "DELETE", "path": "files/file-3"], id: 4)
        _ = try harness.daemon.call("config.update", ["max_file_bytes": 1000], id: 5)
        let (tooLarge, _) = try harness.daemon.call("api.request", ["method": "GET", "path": "files/file-1/content"], id: 6)
        try harness.finish()
        #expect(saved["result"]?["path"] == .string(folder + "/out.mp3"))
        #expect(saved["result"]?["bytes"] == .number(MediaFixtures.mp3.count))
        #expect(saved["result"]?["body"] == nil)
        #expect(MediaFixtures.file(folder + "/out.mp3", holds: MediaFixtures.mp3))
        #expect(MediaFixtures.names(in: folder) == ["out.mp3"], "no temporary file left")
        #expect(inline["result"]?["body_base64"] == .string(Data(MediaFixtures.png).base64EncodedString()))
        #expect(inline["result"]?["bytes"] == .number(MediaFixtures.png.count))
        #expect(inline["result"]?["headers"]?["content-type"] == "image/png")
        #expect(text["result"]?["body"] == "line one\nline two\n")
        #expect(deleted["result"] == ["status": 204, "headers": ["content-length": "0"], "body": .null])
        #expect(tooLarge.errorCode == -32004)
        #expect(tooLarge["error"]?["message"]?.stringValue?.contains("output_path") == true)
        #expect(harness.upstream.requests.map(\.method) == ["GET", "GET", "GET", "DELETE", "GET"])
    }

    @Test func aStreamIsRelayedEventByEventUninterpreted() throws {
        let stream = FakeResponse(headers: [("Content-Type", "text/event-stream")], steps: [
            .send(Array("event: thread.created\nid: 1\ndata: {\"id\":\"thread_1\"}\n\n".utf8)),
            .send(Array("data: plain text, not JSON\n\n".utf8)),
            .send(Array("event: error\ndata: {\"error\":{\"message\":\"relayed, not interpreted\"}}\n\n".utf8)),
            .send(Array("data: [DONE]\n\n".utf8)),
        ], chunked: true)
        let harness = try Harness(responses: [stream])
        let (response, before) = try harness.daemon.call("api.request", ["method": "POST", "path": "threads/runs", "stream": true,
                                                                         "body": ["assistant_id": "asst_1", "stream": true]])
        try harness.finish()
        let events = before.filter { $0["method"] == "api.event" }.map { $0["params"] }
        #expect(events == [
            ["request_id": 1, "event": "thread.created", "data": ["id": "thread_1"], "id": "1"],
            ["request_id": 1, "event": "message", "data": "plain text, not JSON", "id": "1"],
            ["request_id": 1, "event": "error", "data": ["error": ["message": "relayed, not interpreted"]], "id": "1"],
        ], "an id carries over to the events after it, as SSE defines the last event id")
        #expect(response["result"]?["events"] == 3)
        #expect(response["result"]?["status"] == 200)
        #expect(response["result"]?["headers"]?["content-type"] == "text/event-stream")
        let request = try #require(harness.upstream.requests.first)
        #expect(request.header("accept") == "text/event-stream")
        #expect(request.json == ["assistant_id": "asst_1", "stream": true], "the body as given")
    }

    @Test func aStreamCutOffCarriesTheEventsSoFar() throws {
        let stream = FakeResponse(headers: [("Content-Type", "text/event-stream")], steps: [
            .send(Array("data: {\"n\":1}\n\n".utf8)), .send(Array("data: {\"n\"".utf8)), .close,
        ], chunked: true)
        let harness = try Harness(responses: [stream])
        let (response, before) = try harness.daemon.call("api.request", ["method": "GET", "path": "events", "stream": true])
        try harness.finish()
        #expect(before.count == 1)
        #expect(response.errorCode == -32004)
        #expect(response["error"]?["data"]?["partial"]?["events"] == 1)
    }

    @Test func errorStatusesAreUpstreamErrorsAfterRetriesAndSecretsAreScrubbedFromBodies() throws {
        let echo: JSONValue = ["token": .string(testKey), "note": .string("key \(testKey) in text")]
        let harness = try Harness(responses: [.error(status: 503, message: "busy"), .json(echo),
                                              .error(status: 404, message: "No such file: file-x")])
        let (scrubbed, _) = try harness.daemon.call("api.request", ["method": "GET", "path": "dashboard/token"])
        let (missing, _) = try harness.daemon.call("api.request", ["method": "GET", "path": "files/file-x"], id: 2)
        try harness.finish()
        #expect(scrubbed["result"]?["body"] == ["token": "[redacted]", "note": "key [redacted] in text"])
        #expect(missing.errorCode == -32001)
        #expect(missing["error"]?["data"]?["status"] == 404)
        #expect(harness.upstream.requests.map(\.path) == ["/v1/dashboard/token", "/v1/dashboard/token", "/v1/files/file-x"])
    }
}
}
