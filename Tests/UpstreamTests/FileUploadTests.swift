import Foundation
import JSONRPC
import Testing
import TestSupport
import HTTP
import Upstream

/// `UpstreamTarget.upload` through `UpstreamClient.send`: bodies streamed from a file.
@Suite struct FileUploadTests {
    static func target(_ upstream: FakeUpstream) -> UpstreamTarget {
        UpstreamTarget(baseURL: URL(string: upstream.baseURL)!, apiKey: "sk-upload-test", timeouts: Timeouts(request: 10),
                       retry: RetryPolicy(maxRetries: 2, baseDelay: 0.01))
    }

    static func bodyFile(_ bytes: [UInt8]) throws -> URL {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("switchboard-upload-test-\(UUID().uuidString)")
        try Data(bytes).write(to: file)
        return file
    }

    @Test func theFileIsSentWithItsLengthTypeAndKeyAndTheAnswerArrives() async throws {
        let upstream = try FakeUpstream(responses: [.json(["text": "heard"])])
        defer { upstream.stop() }
        let bytes = (0..<300_000).map { UInt8(truncatingIfNeeded: $0 % 251) }
        let file = try Self.bodyFile(bytes)
        defer { try? FileManager.default.removeItem(at: file) }
        let target = Self.target(upstream)
        let call = try await UpstreamClient().send(
            { target.upload("audio/transcriptions", contentType: "multipart/form-data; boundary=abc", file: file.path, size: bytes.count) },
            target: target, streaming: false)
        #expect(try JSONParser.parse(Array(try await call.collectBody(limit: 1000))) == ["text": "heard"])
        let request = try #require(upstream.requests.first)
        #expect(request.method == "POST")
        #expect(request.path == "/v1/audio/transcriptions")
        #expect(request.header("authorization") == "Bearer sk-upload-test")
        #expect(request.header("content-type") == "multipart/form-data; boundary=abc")
        #expect(request.header("content-length") == "300000")
        #expect(request.body == bytes)
    }

    @Test func everyRetrySendsTheWholeFileAgain() async throws {
        let upstream = try FakeUpstream(responses: [.error(status: 503, message: "busy"), .error(status: 429, message: "slow"), .json(["ok": true])])
        defer { upstream.stop() }
        let bytes = Array("a small body".utf8)
        let file = try Self.bodyFile(bytes)
        defer { try? FileManager.default.removeItem(at: file) }
        let target = Self.target(upstream)
        var retries = 0
        let call = try await UpstreamClient().send(
            { target.upload("images/edits", contentType: "application/x-test", file: file.path, size: bytes.count) },
            target: target, streaming: false, onRetry: { _, _ in retries += 1 })
        #expect(call.status == 200)
        #expect(retries == 2)
        #expect(upstream.requests.count == 3)
        #expect(upstream.requests.allSatisfy { $0.body == bytes && $0.path == "/v1/images/edits" })
    }
}
