import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing
import Upstream

/// `UpstreamTarget.download` and `.upload`: the requests built for absolute URLs and file bodies.
@Suite struct UpstreamTargetTests {
    static let target = UpstreamTarget(baseURL: URL(string: "https://api.example.com/v1")!, apiKey: "sk-target-test",
                                       headers: ["X-Relay-Token": "t0k3n", "X-Title": "editor"],
                                       timeouts: Timeouts(request: 30, idle: nil), retry: RetryPolicy())

    @Test(arguments: ["https://api.example.com/v1/files/a.png", "HTTPS://API.EXAMPLE.COM:443/x.png"])
    func theBaseURLsOwnOriginGetsTheKeyAndHeaders(url: String) {
        let request = Self.target.download(URL(string: url)!)
        #expect(request.httpMethod == "GET")
        #expect(request.value(forHTTPHeaderField: "Authorization") == "Bearer sk-target-test")
        #expect(request.value(forHTTPHeaderField: "X-Relay-Token") == "t0k3n")
    }

    @Test(arguments: ["https://files.example.com/a.png", "http://api.example.com/v1/a.png", "https://api.example.com:8443/a.png",
                      "https://api.example.com.evil.test/a.png"])
    func anyOtherOriginGetsNeitherKeyNorHeaders(url: String) {
        let request = Self.target.download(URL(string: url)!, accept: "image/*")
        #expect(request.value(forHTTPHeaderField: "Authorization") == nil)
        #expect(request.value(forHTTPHeaderField: "X-Relay-Token") == nil)
        #expect(request.value(forHTTPHeaderField: "X-Title") == nil)
        #expect(request.value(forHTTPHeaderField: "Accept") == "image/*")
        #expect(request.value(forHTTPHeaderField: "User-Agent") == "switchboard")
    }

    @Test func anUploadsContentTypeWinsOverAConfiguredOne() {
        var target = Self.target
        target.headers["Content-Type"] = "application/json"
        let request = target.upload("audio/transcriptions", contentType: "multipart/form-data; boundary=b", contentLength: 1234)
        #expect(request.url?.absoluteString == "https://api.example.com/v1/audio/transcriptions")
        #expect(request.httpMethod == "POST")
        #expect(request.httpBody == nil)
        #expect(request.value(forHTTPHeaderField: "Content-Type") == "multipart/form-data; boundary=b")
        #expect(request.value(forHTTPHeaderField: "Content-Length") == "1234")
        #expect(request.value(forHTTPHeaderField: "Authorization") == "Bearer sk-target-test")
    }
}
