import Foundation
import JSONRPC
import Testing
import TestSupport

extension EndToEnd {
/// Upstreams that wait, trickle, flood, redirect, never end or inflate, against the real daemon:
/// CPU while nothing arrives, memory held, answers given, keys kept home.
@Suite("hostile upstreams end to end")
struct HostileUpstreamTests {
    static func chunk(_ content: String) -> String {
        #"{"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":\#(JSONValue.string(content).jsonText)},"finish_reason":null}]}"#
    }

    static func eventStream(_ steps: [FakeResponse.Step]) -> FakeResponse {
        FakeResponse(headers: [("Content-Type", "text/event-stream")], steps: steps, chunked: true)
    }

    static func cpu(_ daemon: DaemonProcess) throws -> Double {
        try #require(ProcessStats.cpuSeconds(daemon.pid))
    }

    // MARK: - No work while nothing arrives

    /// JSON nested deeper than the parser goes is named as such, not as "non-JSON".
    @Test func aTooDeeplyNestedAnswerIsSaidToBe() throws {
        let deep = "{\"a\":" + String(repeating: "[", count: 600) + String(repeating: "]", count: 600) + "}"
        let event = "{\"choices\":" + String(repeating: "[", count: 600) + String(repeating: "]", count: 600) + "}"
        let harness = try Harness(responses: [.text(deep, contentType: "application/json"), .sse([event])])
        let (plain, _) = try harness.daemon.call("chat.complete", ["messages": [["role": "user", "content": "hi"]]], id: 1)
        let (streamed, _) = try harness.daemon.call("chat.complete", ["stream": true, "messages": [["role": "user", "content": "hi"]]], id: 2)
        try harness.finish()
        for response in [plain, streamed] {
            #expect(response.errorCode == -32004, "\(response)")
            let message = response["error"]?["message"]?.stringValue ?? ""
            #expect(message.contains("nested too deeply (more than 512 levels)") && !message.contains("non-JSON"), "\(message)")
        }
    }

    @Test func waitingForTheHeadersCostsNoCPU() throws {
        var late = FakeResponse.chatCompletion("thought about it")
        late.steps.insert(.sleep(3), at: 0)
        let harness = try Harness(responses: [late])
        _ = try harness.daemon.call("config.get")
        let before = try Self.cpu(harness.daemon)
        let (response, _) = try harness.daemon.call("chat.complete", chatParams())
        let used = try Self.cpu(harness.daemon) - before
        try harness.finish()
        #expect(response.answer == "thought about it")
        #expect(used < 0.3, "\(used) s of CPU while waiting 3 s for the headers")
    }

    @Test func aStreamTricklingAtModelSpeedCostsAlmostNoCPU() throws {
        let pieces = (0..<30).map { "\($0)," }
        let harness = try Harness(responses: [.chatStream(pieces, delay: 0.1)])
        _ = try harness.daemon.call("config.get")
        let before = try Self.cpu(harness.daemon)
        let (response, deltas) = try harness.daemon.call("chat.complete", chatParams(stream: true))
        let used = try Self.cpu(harness.daemon) - before
        try harness.finish()
        #expect(response.answer == pieces.joined())
        #expect(streamedText(deltas) == pieces.joined())
        #expect(used < 0.4, "\(used) s of CPU for a 3 s stream of 30 deltas")
    }

    // MARK: - Redirects

    @Test(arguments: [302, 307])
    func aRedirectToAnotherOriginIsRefusedAndTheKeyStaysHome(status: Int) throws {
        let elsewhere = try FakeUpstream(responses: [.chatCompletion("from elsewhere")])
        defer { elsewhere.stop() }
        let target = elsewhere.baseURL + "/chat/completions"
        let harness = try Harness(responses: [FakeResponse(status: status, headers: [("Location", target)], steps: [.send([])])])
        let (response, _) = try harness.daemon.call("chat.complete", chatParams())
        try harness.finish()
        #expect(response.errorCode == -32004)
        let message = response["error"]?["message"]?.stringValue ?? ""
        #expect(message.contains(target), "\(message)")
        #expect(message.contains("another origin"))
        #expect(elsewhere.requests.isEmpty, "the other origin received the request")
        #expect(harness.upstream.requests.count == 1, "a refused redirect is not retried")
    }

    @Test func aRedirectWithinTheOriginIsFollowedWithTheKey() throws {
        let harness = try Harness { request in
            request.path == "/v1/chat/completions"
                ? FakeResponse(status: 308, headers: [("Location", "/v2/chat/completions")], steps: [.send([])])
                : .chatCompletion("moved and answered")
        }
        let (response, _) = try harness.daemon.call("chat.complete", chatParams())
        try harness.finish()
        #expect(response.answer == "moved and answered")
        #expect(harness.upstream.requests.map(\.path) == ["/v1/chat/completions", "/v2/chat/completions"])
        #expect(harness.upstream.requests.allSatisfy { $0.header("authorization") == "Bearer \(testKey)" && $0.method == "POST" })
        #expect(harness.upstream.requests.last?.json?["messages"] != nil, "the body follows a 308")
    }

    @Test func anImageForOutputDirFollowsARedirectElsewhereWithoutTheKey() throws {
        let folder = try MediaFixtures.directory()
        let storage = try FakeUpstream(responses: [.bytes(MediaFixtures.png, contentType: "image/png")])
        defer { storage.stop() }
        let harness = try Harness { request in
            if request.path == "/v1/images/generations" {
                let own = "http://\(request.header("host") ?? "")/v1/files/own.png"
                return .json(["created": 1, "data": [["url": .string(own)]]])
            }
            return FakeResponse(status: 302, headers: [("Location", storage.baseURL + "/blob/own.png")], steps: [.send([])])
        }
        let (response, _) = try harness.daemon.call("images.generate", ["prompt": "x", "output_dir": .string(folder)])
        try harness.finish()
        #expect(response["result"]?["data"]?[0]?["path"] == .string(folder + "/image-1-0.png"))
        #expect(MediaFixtures.bytes(at: folder + "/image-1-0.png") == MediaFixtures.png)
        #expect(harness.upstream.requests.last?.header("authorization") == "Bearer \(testKey)", "the key goes to base_url's origin")
        let foreign = try #require(storage.requests.first)
        #expect(foreign.header("authorization") == nil, "no key after a redirect to another origin")
    }

    // MARK: - Bodies that never end, or inflate

    @Test func anErrorBodyThatNeverEndsIsCutShortAndAnswered() throws {
        let endless = FakeResponse(status: 500, headers: [("Content-Type", "text/plain")],
                                   steps: [.send(Array("server on fire ".utf8)), .repeatForever(Array(repeating: 0x2E, count: 4096))], chunked: true)
        let harness = try Harness(arguments: ["--max-retries", "0"], responses: [endless])
        let started = Date()
        let (response, _) = try harness.daemon.call("chat.complete", chatParams(), timeout: 20)
        let elapsed = Date().timeIntervalSince(started)
        try harness.finish()
        #expect(response.errorCode == -32001)
        #expect(response["error"]?["data"]?["status"] == 500)
        #expect(response["error"]?["data"]?["body"]?.stringValue?.hasPrefix("server on fire") == true)
        #expect(elapsed < 5, "answered after \(elapsed) s")
    }

    @Test func aCompressedBodyIsRefusedWithoutBeingInflated() throws {
        let bomb = try Self.gzip(Array(repeating: 0, count: 64 << 20))
        let harness = try Harness(responses: [FakeResponse(headers: [("Content-Type", "application/json"), ("Content-Encoding", "gzip")],
                                                           steps: [.send(bomb)])])
        let (response, _) = try harness.daemon.call("chat.complete", chatParams())
        let peak = ProcessStats.peakResidentMiB(harness.daemon.pid) ?? 0
        try harness.finish()
        #expect(response.errorCode == -32004)
        #expect(response["error"]?["message"]?.stringValue?.contains("gzip-encoded") == true)
        #expect(harness.upstream.requests.first?.header("accept-encoding") == "identity")
        #expect(peak < 150, "peak RSS \(peak) MiB")
    }

    @Test func anEndlessEventFailsAtItsLimitWithThePartialAnswer() throws {
        let stream = Self.eventStream([.send(Array("data: \(Self.chunk("so far"))\n\ndata: ".utf8)),
                                       .repeatForever(Array(repeating: UInt8(ascii: "a"), count: 65536))])
        let harness = try Harness(responses: [stream])
        let (response, deltas) = try harness.daemon.call("chat.complete", chatParams(stream: true), timeout: 30)
        let peak = ProcessStats.peakResidentMiB(harness.daemon.pid) ?? 0
        try harness.finish()
        #expect(streamedText(deltas) == "so far")
        #expect(response.errorCode == -32004)
        #expect(response["error"]?["message"]?.stringValue?.contains("larger than 16777216 bytes") == true)
        #expect(response["error"]?["data"]?["partial"]?["choices"]?[0]?["message"]?["content"] == "so far")
        #expect(peak < 150, "peak RSS \(peak) MiB")
    }

    @Test(arguments: [true, false])
    func anImageDownloadStopsAtMaxFileBytes(declaresLength: Bool) throws {
        let folder = try MediaFixtures.directory()
        let piece = MediaFixtures.png + Array(repeating: 0x42, count: 65536 - MediaFixtures.png.count)
        let big = declaresLength
            ? FakeResponse(headers: [("Content-Type", "image/png"), ("Content-Length", "\(1 << 30)")], steps: [.repeatForever(piece)])
            : FakeResponse(headers: [("Content-Type", "image/png")], steps: [.repeatForever(piece)], chunked: true)
        let harness = try Harness { request in
            request.path == "/v1/images/generations" ? .json(["created": 1, "data": [["url": .string("http://\(request.header("host") ?? "")/v1/f.png")]]]) : big
        }
        _ = try harness.daemon.call("config.update", ["max_file_bytes": 1_000_000])
        let (response, _) = try harness.daemon.call("images.generate", ["prompt": "x", "output_dir": .string(folder)], id: 2, timeout: 20)
        try harness.finish()
        // The image that cannot be saved is marked, and the answer (paid for) still comes back.
        let failure = response["result"]?["data"]?[0]?["save_error"]
        #expect(failure?["code"] == -32004)
        #expect(failure?["message"]?.stringValue?.contains("max_file_bytes") == true, "\(response)")
        #expect(harness.upstream.bytesSent < 64 << 20, "read \(harness.upstream.bytesSent) bytes for a 1 MB limit")
        #expect(MediaFixtures.names(in: folder).isEmpty)
    }

    // MARK: - A client that stops reading

    /// A daemon whose client reads nothing, asked for a stream the upstream sends without end
    /// (deltas of `content`) as request `id`.
    static func floodWithoutReading(content: String, id: JSONValue) throws -> Harness {
        let deltas = Array(repeating: Array("data: \(chunk(content))\n\n".utf8), count: 64).joined()
        let harness = try Harness(responses: [eventStream([.repeatForever(Array(deltas))])])
        harness.daemon.pauseReading()
        harness.daemon.send(["jsonrpc": "2.0", "id": id, "method": "chat.complete", "params": chatParams(stream: true)])
        return harness
    }

    /// The upstream floods, the client reads nothing: the daemon holds a bounded amount, the
    /// upstream is held back, and SIGTERM still ends the daemon promptly.
    @Test func aClientThatStopsReadingHoldsTheUpstreamNotMemory() throws {
        let harness = try Self.floodWithoutReading(content: String(repeating: "x", count: 200), id: 1)
        // The daemon takes what its buffers hold, then holds the upstream back: the bytes sent stop
        // growing (a slow build, such as a sanitized one, takes longer to get there).
        var held = harness.upstream.bytesSent
        var stopped = false
        for _ in 0..<30 where !stopped {
            Thread.sleep(forTimeInterval: 1)
            let now = harness.upstream.bytesSent
            stopped = now - held < 1 << 20
            held = now
        }
        #expect(stopped, "the upstream kept sending: \(held) bytes after 30 s")
        #expect(held < 256 << 20, "the daemon took \(held) bytes from the upstream before holding it back")
        // A sanitizer's shadow memory makes RSS meaningless (scripts/sanitize.sh).
        if ProcessInfo.processInfo.environment["SWITCHBOARD_SANITIZED"] == nil {
            let rss = ProcessStats.residentMiB(harness.daemon.pid) ?? 0
            #expect(rss < 150, "RSS \(rss) MiB while the client reads nothing")
        }

        let started = Date()
        harness.daemon.signal(SIGTERM)
        let code = try harness.daemon.waitForExit(timeout: 15)
        let elapsed = Date().timeIntervalSince(started)
        #expect(code == 143)
        #expect(elapsed < 8, "exited \(elapsed) s after SIGTERM")
        harness.daemon.resumeReading()
        harness.upstream.stop()
    }

    /// While the client reads nothing, the stream's handling leaves the HTTP engine's thread
    /// (which must never wait for the client): other requests still reach the upstream. Once the
    /// client reads again, the held stream arrives whole and in order.
    @Test func theEngineServesOthersWhileTheClientReadsNothingAndTheHeldStreamArrivesWhole() throws {
        let count = 80_000
        let pad = String(repeating: "p", count: 100)
        let events = (0..<count).map { "data: \(Self.chunk("\($0)\(pad) "))\n\n" }.joined() + "data: [DONE]\n\n"
        let harness = try Harness(responses: [Self.eventStream([.send(Array(events.utf8))]), .chatCompletion("meanwhile")])
        harness.daemon.pauseReading()
        harness.daemon.send(["jsonrpc": "2.0", "id": 1, "method": "chat.complete", "params": chatParams(stream: true)])
        #expect(harness.upstream.waitForRequests(1))
        // The client's pipe and the daemon's output queue fill (some 14 MB of deltas).
        Thread.sleep(forTimeInterval: 2)
        harness.daemon.send(["jsonrpc": "2.0", "id": 2, "method": "chat.complete", "params": chatParams()])
        #expect(harness.upstream.waitForRequests(2, timeout: 10), "the second request never reached the upstream")
        harness.daemon.resumeReading()
        let (streamed, before) = try harness.daemon.response(to: 1, timeout: 120)
        let deltas = before.filter { $0["method"] == "chat.delta" && $0["params"]?["request_id"] == 1 }
        let expected = (0..<count).map { "\($0)\(pad) " }
        #expect(deltas.compactMap { $0["params"]?["delta"]?["content"]?.stringValue } == expected, "deltas lost, repeated or out of order")
        #expect(streamed.answer == expected.joined())
        // Answered while the stream was still being written, or after it.
        let other = try before.first { $0["id"] == 2 && $0["method"] == nil } ?? harness.daemon.response(to: 2, timeout: 30).response
        #expect(other.answer == "meanwhile")
        try harness.finish()
    }

    @Test func cancellingWhileTheClientReadsNothingClosesTheUpstream() throws {
        let harness = try Self.floodWithoutReading(content: "flood", id: 7)
        Thread.sleep(forTimeInterval: 2)
        harness.daemon.send(["jsonrpc": "2.0", "method": "$/cancelRequest", "params": ["id": 7]])
        harness.daemon.resumeReading()
        let (response, _) = try harness.daemon.response(to: 7, timeout: 60)
        #expect(response.errorCode == -32800)
        #expect(harness.upstream.waitForOpenConnections(atMost: 0))
        try harness.finish()
    }

    // MARK: - What libcurl brings

    @Test func theProxyFromTheEnvironmentCarriesTheRequest() throws {
        let proxy = try FakeUpstream(responses: [.chatCompletion("via the proxy")])
        defer { proxy.stop() }
        let harness = try Harness(environment: ["http_proxy": "http://127.0.0.1:\(proxy.port)", "OPENAI_BASE_URL": "http://api.example.invalid/v1"],
                                  responses: [])
        let (response, _) = try harness.daemon.call("chat.complete", chatParams())
        try harness.finish()
        #expect(response.answer == "via the proxy")
        #expect(proxy.requests.first?.path == "http://api.example.invalid/v1/chat/completions")
        #expect(proxy.requests.first?.header("authorization") == "Bearer \(testKey)")
    }

    @Test func noProxyBypassesIt() throws {
        let proxy = try FakeUpstream(responses: [.chatCompletion("via the proxy")])
        defer { proxy.stop() }
        let harness = try Harness(environment: ["http_proxy": "http://127.0.0.1:\(proxy.port)", "no_proxy": "127.0.0.1"],
                                  responses: [.chatCompletion("direct")])
        let (response, _) = try harness.daemon.call("chat.complete", chatParams())
        try harness.finish()
        #expect(response.answer == "direct")
        #expect(proxy.requests.isEmpty)
    }

    @Test func tlsIsVerifiedAgainstTheCertificatesSSLCertFileNames() throws {
        let server = try TLSUpstream()
        defer { server.stop() }
        let trusted = try Harness(environment: ["OPENAI_BASE_URL": server.baseURL, "SSL_CERT_FILE": TLSUpstream.certificatePath],
                                  responses: [])
        let (answered, _) = try trusted.daemon.call("chat.complete", chatParams(stream: true))
        try trusted.finish()
        #expect(answered.answer == "over TLS")

        let untrusted = try Harness(environment: ["OPENAI_BASE_URL": server.baseURL], responses: [])
        let (refused, _) = try untrusted.daemon.call("chat.complete", chatParams(stream: true))
        try untrusted.finish()
        #expect(refused.errorCode == -32002)
        #expect(refused["error"]?["message"]?.stringValue?.lowercased().contains("certificate") == true)
        #expect(refused["error"]?["data"]?["attempts"]?.intValue == 1, "an untrusted certificate is not retried: \(refused)")
    }

    @Test func requestsShareOneKeptAliveConnectionStreamsIncluded() throws {
        let harness = try Harness(responses: [.chatStream(["a"]), .chatCompletion("b"), .chatStream(["c"])])
        for id in 1...3 {
            let (response, _) = try harness.daemon.call("chat.complete", chatParams(stream: id != 2), id: .number(id))
            #expect(response["result"] != nil)
        }
        try harness.finish()
        #expect(harness.upstream.connectionCount == 1)
    }

    @Test func initializeOpensTheConnectionTheFirstQuestionUses() throws {
        let harness = try Harness { request in request.method == "HEAD" ? .text("") : .chatCompletion("warm") }
        _ = try harness.daemon.call("initialize", ["client_info": ["name": "test"]])
        #expect(harness.upstream.waitForRequests(1))
        let (response, _) = try harness.daemon.call("chat.complete", chatParams(), id: 2)
        try harness.finish()
        #expect(response.answer == "warm")
        let head = try #require(harness.upstream.requests.first)
        #expect(head.method == "HEAD")
        #expect(head.path == "/v1")
        #expect(head.header("authorization") == nil, "no key on the preconnect")
        #expect(harness.upstream.connectionCount == 1, "the chat reused the preconnected connection")
    }

    /// Under load a question sent right after `initialize` could go out before the preconnect's
    /// `HEAD` was answered, on a second connection, leaving the preconnected one idle and open.
    @Test func aQuestionSentWhileThePreconnectIsUnderWayWaitsForItsConnection() throws {
        let harness = try Harness { request in
            request.method == "HEAD" ? FakeResponse(steps: [.sleep(0.5), .send([])]) : .chatCompletion("warm")
        }
        harness.daemon.send(["jsonrpc": "2.0", "id": 1, "method": "initialize", "params": ["client_info": ["name": "test"]]])
        let (response, _) = try harness.daemon.call("chat.complete", chatParams(), id: 2)
        try harness.finish()
        #expect(response.answer == "warm")
        #expect(harness.upstream.requests.map(\.method) == ["HEAD", "POST"])
        #expect(harness.upstream.connectionCount == 1, "the question waited for the preconnected connection")
    }

    @Test func aPreconnectThatIsNeverAnsweredDelaysTheFirstQuestionBriefly() throws {
        let harness = try Harness { request in request.method == "HEAD" ? FakeResponse(steps: [.stall]) : .chatCompletion("went on") }
        harness.daemon.send(["jsonrpc": "2.0", "id": 1, "method": "initialize", "params": ["client_info": ["name": "test"]]])
        let started = ContinuousClock.now
        let (response, _) = try harness.daemon.call("chat.complete", chatParams(), id: 2, timeout: TestTiming.seconds(20))
        let waited = ContinuousClock.now - started
        try harness.finish()
        #expect(response.answer == "went on")
        // The wait is capped at 2 s; uncapped, it would last the preconnect's own 10 s limit.
        #expect(waited < .seconds(TestTiming.seconds(9)), "waited \(waited)")
        #expect(harness.upstream.connectionCount == 2)
    }

    @Test func preconnectFalseSendsNothingBeforeTheFirstCall() throws {
        let harness = try Harness(responses: [.chatCompletion("cold")])
        _ = try harness.daemon.call("initialize", ["config": ["preconnect": false]])
        Thread.sleep(forTimeInterval: 0.3)
        #expect(harness.upstream.requests.isEmpty)
        _ = try harness.daemon.call("chat.complete", chatParams(), id: 2)
        try harness.finish()
        #expect(harness.upstream.requests.map(\.method) == ["POST"])
    }

    /// `bytes` compressed by the system's gzip.
    static func gzip(_ bytes: [UInt8]) throws -> [UInt8] {
        let input = FileManager.default.temporaryDirectory.appendingPathComponent("switchboard-bomb-\(UUID().uuidString)")
        try Data(bytes).write(to: input)
        defer { try? FileManager.default.removeItem(at: input) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "gzip -c \"$0\"", input.path]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Array(data)
    }
}
}
