import Foundation
import HTTP
import Testing
import Upstream

/// `UpstreamTarget`: the requests built for paths, absolute URLs, file bodies and redirects.
@Suite struct UpstreamTargetTests {
    static let target = UpstreamTarget(baseURL: URL(string: "https://api.example.com/v1")!, apiKey: "sk-target-test",
                                       headers: ["X-Relay-Token": "t0k3n", "X-Title": "editor"],
                                       timeouts: Timeouts(request: 30), retry: RetryPolicy())

    @Test(arguments: ["https://api.example.com/v1/files/a.png", "HTTPS://API.EXAMPLE.COM:443/x.png"])
    func theBaseURLsOwnOriginGetsTheKeyAndHeaders(url: String) {
        let request = Self.target.download(URL(string: url)!)
        #expect(request.method == "GET")
        #expect(request.header("Authorization") == "Bearer sk-target-test")
        #expect(request.header("X-Relay-Token") == "t0k3n")
    }

    @Test(arguments: ["https://files.example.com/a.png", "http://api.example.com/v1/a.png", "https://api.example.com:8443/a.png",
                      "https://api.example.com.evil.test/a.png"])
    func anyOtherOriginGetsNeitherKeyNorHeaders(url: String) {
        let request = Self.target.download(URL(string: url)!, accept: "image/*")
        #expect(request.header("Authorization") == nil)
        #expect(request.header("X-Relay-Token") == nil)
        #expect(request.header("X-Title") == nil)
        #expect(request.header("Accept") == "image/*")
        #expect(request.header("User-Agent") == "switchboard")
    }

    @Test func anUploadsContentTypeWinsOverAConfiguredOne() {
        var target = Self.target
        target.headers["Content-Type"] = "application/json"
        let request = target.upload("audio/transcriptions", contentType: "multipart/form-data; boundary=b", file: "/tmp/body", size: 1234)
        #expect(request.url == "https://api.example.com/v1/audio/transcriptions")
        #expect(request.method == "POST")
        #expect(request.body == .file(path: "/tmp/body", size: 1234))
        #expect(request.headers.filter { $0.name.lowercased() == "content-type" }.map(\.value) == ["multipart/form-data; boundary=b"])
        #expect(request.header("Authorization") == "Bearer sk-target-test")
    }

    @Test func aJSONRequestCarriesItsBodyTypeAndCredentials() {
        let request = Self.target.request("POST", "chat/completions", body: Data("{}".utf8), accept: "text/event-stream")
        #expect(request.url == "https://api.example.com/v1/chat/completions")
        #expect(request.body == .bytes(Array("{}".utf8)))
        #expect(request.header("Content-Type") == "application/json")
        #expect(request.header("Accept") == "text/event-stream")
        #expect(request.header("Authorization") == "Bearer sk-target-test")
    }

    @Test func aRedirectToAnotherOriginDropsEveryCredential() {
        let request = Self.target.request("POST", "chat/completions", body: Data("{}".utf8))
        let moved = Self.target.redirected(request, status: 307, to: URL(string: "https://elsewhere.example.net/v1/chat/completions")!)
        #expect(moved.url == "https://elsewhere.example.net/v1/chat/completions")
        #expect(moved.method == "POST")
        #expect(moved.body == request.body)
        #expect(moved.header("Authorization") == nil)
        #expect(moved.header("X-Relay-Token") == nil)
        #expect(moved.header("X-Title") == nil)
        #expect(moved.header("Content-Type") == "application/json")
    }

    @Test func aRedirectWithinTheOriginKeepsTheCredentials() {
        let request = Self.target.request("POST", "chat/completions", body: Data("{}".utf8))
        let moved = Self.target.redirected(request, status: 308, to: URL(string: "https://api.example.com/v2/chat/completions")!)
        #expect(moved.header("Authorization") == "Bearer sk-target-test")
        #expect(moved.header("X-Relay-Token") == "t0k3n")
        #expect(moved.method == "POST")
    }

    @Test func aSeeOtherRedirectBecomesAGetWithoutABody() {
        let request = Self.target.request("POST", "images/generations", body: Data("{}".utf8))
        let moved = Self.target.redirected(request, status: 303, to: URL(string: "https://api.example.com/v1/result/1")!)
        #expect(moved.method == "GET")
        #expect(moved.body == .none)
        #expect(moved.header("Content-Type") == nil)
        #expect(moved.header("Authorization") == "Bearer sk-target-test")
    }

    @Test func aQueryIsPercentEncodedInOrderWithRepeatedNames() {
        let query = [("include[]", "file_search_call.results"), ("include[]", "message.output_text.logprobs"), ("after", "a b&c=d/é")]
        let request = Self.target.request("GET", "responses/resp_1", query: query.map { (name: $0.0, value: $0.1) })
        #expect(request.url == "https://api.example.com/v1/responses/resp_1?include%5B%5D=file_search_call.results"
            + "&include%5B%5D=message.output_text.logprobs&after=a%20b%26c%3Dd%2F%C3%A9")
        #expect(request.header("Authorization") == "Bearer sk-target-test")
        let upload = Self.target.upload("files", method: "PUT", query: [(name: "purpose", value: "batch")], contentType: "multipart/form-data; boundary=b",
                                        file: "/tmp/body", size: 1)
        #expect(upload.url == "https://api.example.com/v1/files?purpose=batch")
        #expect(upload.method == "PUT")
    }

    @Test func withoutAQueryTheURLHasNoQuestionMark() {
        #expect(Self.target.request("GET", "models", query: []).url == "https://api.example.com/v1/models")
        #expect(UpstreamTarget.queryString([(name: "limit", value: "10"), (name: "order", value: "desc")]) == "limit=10&order=desc")
    }
}
