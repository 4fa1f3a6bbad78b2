import Foundation
import HTTP
import Testing
import TestSupport

/// The engine against the loopback fake upstream: requests as sent, bodies, backpressure, time
/// limits, cancellation and connection reuse.
@Suite struct HTTPEngineTests {
    static let engine = HTTPEngine()

    static func read(_ response: HTTPResponse) async throws -> [UInt8] {
        var bytes: [UInt8] = []
        for try await chunk in response.body { bytes += chunk }
        return bytes
    }

    static func get(_ upstream: FakeUpstream, _ path: String = "/x") -> HTTPRequest {
        HTTPRequest(method: "GET", url: upstream.baseURL + path)
    }

    /// Waits until `condition` holds, up to `timeout` seconds.
    static func eventually(_ timeout: Double = 30, _ condition: () -> Bool) async -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while !condition() {
            if Date() > deadline { return false }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return true
    }

    @Test func requestsGoOutAsBuiltWithIdentityEncodingAndNoExpect() async throws {
        let upstream = try FakeUpstream { _ in .text("ok") }
        defer { upstream.stop() }
        let body = Array(repeating: UInt8(ascii: "b"), count: 2 << 20)
        let request = HTTPRequest(method: "PUT", url: upstream.baseURL + "/put?q=1",
                                  headers: [("Content-Type", "application/x-test"), ("X-Empty", "")], body: .bytes(body))
        let response = try await Self.engine.send(request, timeouts: Timeouts(request: 30))
        #expect(try await Self.read(response) == Array("ok".utf8))
        let recorded = try #require(upstream.requests.first)
        #expect(recorded.method == "PUT")
        #expect(recorded.path == "/v1/put?q=1")
        #expect(recorded.body == body)
        #expect(recorded.header("content-type") == "application/x-test")
        #expect(recorded.header("x-empty") == "")
        #expect(recorded.header("accept-encoding") == "identity")
        #expect(recorded.header("expect") == nil)
    }

    @Test(arguments: ["POST", "DELETE", "HEAD"])
    func bodilessMethodsSendNoBody(method: String) async throws {
        let upstream = try FakeUpstream { _ in .text("done") }
        defer { upstream.stop() }
        let response = try await Self.engine.send(HTTPRequest(method: method, url: upstream.baseURL + "/m"), timeouts: Timeouts(request: 30))
        let body = try await Self.read(response)
        #expect(body == (method == "HEAD" ? [] : Array("done".utf8)))
        #expect(upstream.requests.first?.method == method)
        #expect(upstream.requests.first?.body == [])
    }

    @Test func aFileBodyIsStreamedFromDisk() async throws {
        let upstream = try FakeUpstream { request in .text(String(request.body.count)) }
        defer { upstream.stop() }
        let bytes = (0..<3_000_000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("http-engine-\(UUID().uuidString)")
        try Data(bytes).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let request = HTTPRequest(method: "POST", url: upstream.baseURL + "/up", headers: [("Content-Type", "application/octet-stream")],
                                  body: .file(path: file.path, size: bytes.count))
        let response = try await Self.engine.send(request, timeouts: Timeouts(request: 30))
        #expect(try await Self.read(response) == Array("3000000".utf8))
        #expect(upstream.requests.first?.body == bytes)
    }

    @Test func aMissingBodyFileFailsBeforeAnythingIsSent() async throws {
        let upstream = try FakeUpstream { _ in .text("no") }
        defer { upstream.stop() }
        let request = HTTPRequest(method: "POST", url: upstream.baseURL, body: .file(path: "/nonexistent/body", size: 1))
        await #expect(throws: HTTPError.self) { _ = try await Self.engine.send(request, timeouts: Timeouts(request: 5)) }
        #expect(upstream.requests.isEmpty)
    }

    @Test func aRefusedConnectionFailsBeforeTheHead() async throws {
        let upstream = try FakeUpstream { _ in .text("") }
        let url = upstream.baseURL
        upstream.stop()
        do {
            _ = try await Self.engine.send(HTTPRequest(method: "GET", url: url), timeouts: Timeouts(request: 5))
            Issue.record("no error")
        } catch let HTTPError.transport(reason, afterHead) {
            #expect(!afterHead)
            #expect(!reason.isEmpty)
        }
    }

    @Test func aBodyCutShortFailsAfterTheHead() async throws {
        let upstream = try FakeUpstream { _ in FakeResponse(headers: [("Content-Length", "100")], steps: [.send(Array("short".utf8)), .close]) }
        defer { upstream.stop() }
        let response = try await Self.engine.send(Self.get(upstream), timeouts: Timeouts(request: 5))
        do {
            _ = try await Self.read(response)
            Issue.record("no error")
        } catch let HTTPError.transport(_, afterHead) {
            #expect(afterHead)
        }
    }

    /// The reader takes nothing: the transfer pauses at its buffer limit, the server's writes back
    /// up, and reading again lets it go on.
    @Test func aReaderThatStopsHoldsTheServerBack() async throws {
        let piece = Array(repeating: UInt8(ascii: "f"), count: 16 * 1024)
        let upstream = try FakeUpstream { _ in FakeResponse(headers: [("Content-Type", "text/plain")], steps: [.repeatForever(piece)], chunked: true) }
        defer { upstream.stop() }
        let engine = HTTPEngine(bufferLimit: 64 * 1024)
        // The request's own limit is far off: only the idle limit is under test (a sanitized run on
        // two busy cores reads slowly).
        let response = try await engine.send(Self.get(upstream), timeouts: Timeouts(request: 600, idle: 0.5))
        try await Task.sleep(for: .milliseconds(800))
        let held = upstream.bytesSent
        try await Task.sleep(for: .milliseconds(1200))
        // Paused for longer than the idle limit: time the reader holds the transfer does not count.
        #expect(upstream.bytesSent - held < 64 * 1024, "the server kept writing while nothing was read")
        #expect(held < 16 << 20, "far more than the buffer and the socket buffers were taken: \(held)")
        // Reading again lets the server go on: it sends more than it had when it was held back.
        var read = 0
        for try await chunk in response.body {
            read += chunk.count
            if read > held + (256 << 10) { break }
        }
        #expect(upstream.bytesSent > held)
        response.cancel()
    }

    @Test func cancellingEndsTheReaderAndClosesTheConnection() async throws {
        let upstream = try FakeUpstream { _ in FakeResponse(headers: [("Content-Type", "text/plain")], steps: [.send(Array("x".utf8)), .stall], chunked: true) }
        defer { upstream.stop() }
        // The request's limit is far off: only the cancel may end the reader.
        let response = try await Self.engine.send(Self.get(upstream), timeouts: Timeouts(request: 600))
        let reader = Task { try await Self.read(response) }
        try await Task.sleep(for: .milliseconds(100))
        // Hold the loop's thread: a cancel that waited for the loop would never return while it is
        // held. The test's own waits suspend: a blocked thread of the shared pool could keep the
        // holder from starting.
        let holding = Mailbox<Bool>(), release = DispatchSemaphore(value: 0)
        let holder = Task { try await response.readOnLoop { holding.post(true); release.wait() } }
        #expect(await Self.eventually { holding.count > 0 })
        let order = Mailbox<String>()
        Thread {
            response.cancel()
            order.post("cancel returned")
        }.start()
        #expect(await Self.eventually(TestTiming.seconds(10)) { order.count > 0 }, "cancel waited for the loop")
        release.signal()
        try await holder.value
        await #expect(throws: CancellationError.self) { _ = try await reader.value }
        #expect(await Self.eventually { upstream.openConnectionCount == 0 })
    }

    @Test func cancellingTheTaskWaitingForTheHeadCancelsTheRequest() async throws {
        let upstream = try FakeUpstream { _ in FakeResponse(steps: [.stall]) }
        defer { upstream.stop() }
        let waiting = Task { try await Self.engine.send(Self.get(upstream), timeouts: Timeouts(request: 60)) }
        #expect(await upstream.waitForRequests(1))
        waiting.cancel()
        await #expect(throws: CancellationError.self) { _ = try await waiting.value }
        #expect(await Self.eventually { upstream.openConnectionCount == 0 })
    }

    @Test func theFirstByteLimitEndsAWaitForTheHead() async throws {
        let upstream = try FakeUpstream { _ in FakeResponse(steps: [.stall]) }
        defer { upstream.stop() }
        // The error's kind tells which limit ended the wait: the request's own (30 s) would say `.request`.
        await #expect(throws: HTTPError.timeout(.firstByte, seconds: 0.3)) {
            _ = try await Self.engine.send(Self.get(upstream), timeouts: Timeouts(request: 30, firstByte: 0.3, idle: 0.1))
        }
    }

    @Test func theIdleLimitCountsFromTheLastByte() async throws {
        let upstream = try FakeUpstream { _ in
            FakeResponse(headers: [("Content-Type", "text/plain")],
                         steps: [.sleep(0.5), .send(Array("a".utf8)), .sleep(0.2), .send(Array("b".utf8)), .stall], chunked: true)
        }
        defer { upstream.stop() }
        let response = try await Self.engine.send(Self.get(upstream), timeouts: Timeouts(request: 30, firstByte: 2, idle: 0.4))
        var received: [UInt8] = []
        do {
            for try await chunk in response.body { received += chunk }
            Issue.record("no error")
        } catch let error as HTTPError {
            #expect(error == .timeout(.idle, seconds: 0.4))
        }
        #expect(received == Array("ab".utf8))
    }

    /// Once the head arrived the idle limit applies, though the first-byte limit ran out much later:
    /// the loop, which otherwise looks at time limits only when the earliest it knew of is due,
    /// looks again when a head begins.
    @Test func theIdleLimitAppliesFromTheHeadOn() async throws {
        let upstream = try FakeUpstream { _ in
            FakeResponse(headers: [("Content-Type", "text/plain")], steps: [.send(Array("a".utf8)), .stall], chunked: true)
        }
        defer { upstream.stop() }
        let started = ContinuousClock.now
        let response = try await Self.engine.send(Self.get(upstream), timeouts: Timeouts(request: 1200, firstByte: 600, idle: 0.3))
        await #expect(throws: HTTPError.timeout(.idle, seconds: 0.3)) { _ = try await Self.read(response) }
        // The idle limit (0.3 s) ended it, not the first-byte limit (600 s) nor the request's. The bound
        // is far from both: a loaded, sanitized run held this test's task for 23 s.
        #expect(ContinuousClock.now - started < .seconds(300))
    }

    @Test func theRequestLimitCoversTheWholeExchange() async throws {
        let upstream = try FakeUpstream { _ in
            FakeResponse(headers: [("Content-Type", "text/plain")], steps: [.send(Array("a".utf8)), .sleep(0.2), .send(Array("b".utf8)),
                                                                            .sleep(0.2), .send(Array("c".utf8)), .stall], chunked: true)
        }
        defer { upstream.stop() }
        let response = try await Self.engine.send(Self.get(upstream), timeouts: Timeouts(request: 0.5, idle: 10))
        await #expect(throws: HTTPError.timeout(.request, seconds: 0.5)) { _ = try await Self.read(response) }
    }

    @Test func sequentialRequestsShareOneConnection() async throws {
        let upstream = try FakeUpstream { request in .text("answer to \(request.path)") }
        defer { upstream.stop() }
        let engine = HTTPEngine()
        for index in 0..<3 {
            let response = try await engine.send(Self.get(upstream, "/\(index)"), timeouts: Timeouts(request: 10))
            #expect(try await Self.read(response) == Array("answer to /v1/\(index)".utf8))
        }
        #expect(upstream.connectionCount == 1)
    }

    /// A response dropped before its end (a stream read up to `[DONE]`) is drained, so its
    /// connection serves the next request.
    @Test func aDiscardedResponseThatEndsKeepsItsConnection() async throws {
        let upstream = try FakeUpstream { _ in
            FakeResponse(headers: [("Content-Type", "text/event-stream")],
                         steps: [.send(Array("data: [DONE]\n\n".utf8)), .sleep(0.1), .send(Array(": bye\n\n".utf8))], chunked: true)
        }
        defer { upstream.stop() }
        let engine = HTTPEngine()
        for _ in 0..<2 {
            let response = try await engine.send(Self.get(upstream), timeouts: Timeouts(request: 10))
            var iterator = response.body.makeAsyncIterator()
            _ = try await iterator.next()
            response.discard()
            try await Task.sleep(for: .milliseconds(300))
        }
        #expect(upstream.requests.count == 2)
        #expect(upstream.connectionCount == 1)
    }

    @Test func aDiscardedResponseThatNeverEndsIsDropped() async throws {
        let upstream = try FakeUpstream { _ in FakeResponse(headers: [("Content-Type", "text/plain")], steps: [.send(Array("x".utf8)), .stall], chunked: true) }
        defer { upstream.stop() }
        let response = try await Self.engine.send(Self.get(upstream), timeouts: Timeouts(request: 60))
        response.discard()
        #expect(await Self.eventually { upstream.openConnectionCount == 0 })
    }

    @Test func concurrentRequestsAllComplete() async throws {
        let upstream = try FakeUpstream { request in .sse([request.path], delay: 0.01) }
        defer { upstream.stop() }
        let bodies = try await withThrowingTaskGroup(of: String.self) { group in
            for index in 0..<32 {
                group.addTask {
                    let response = try await Self.engine.send(Self.get(upstream, "/\(index)"), timeouts: Timeouts(request: 30))
                    return String(decoding: try await Self.read(response), as: UTF8.self)
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(bodies.count == 32)
        #expect(Set(bodies).count == 32)
        #expect(bodies.allSatisfy { $0.hasSuffix("data: [DONE]\n\n") })
    }

    /// Plain-http streams to one host run side by side, each on a connection of its own, rather
    /// than queueing behind the first one's HTTP/1.1 connection. The streams send an event and
    /// then hold still until they are cancelled: queued, the fourth request would never be sent.
    /// (No clock but a generous limit: a busy test run may start the tasks late.)
    @Test func concurrentStreamsToOnePlainHostDoNotWaitForEachOther() async throws {
        let upstream = try FakeUpstream { _ in
            FakeResponse(headers: [("Content-Type", "text/event-stream")], steps: [.send(Array("data: a\n\n".utf8)), .stall], chunked: true)
        }
        defer { upstream.stop() }
        let engine = HTTPEngine()
        let streams = (0..<4).map { index in
            Task {
                let response = try await engine.send(Self.get(upstream, "/\(index)"), timeouts: Timeouts(request: 600))
                for try await _ in response.body {}
            }
        }
        #expect(await upstream.waitForRequests(4, timeout: TestTiming.seconds(60)))
        #expect(upstream.connectionCount == 4)
        for stream in streams { stream.cancel() }
        for stream in streams { _ = await stream.result }
        #expect(await Self.eventually { upstream.openConnectionCount == 0 })
    }

    /// Readers that prefer the loop take every piece of every stream on one thread (the loop's).
    @Test func readersOnTheLoopTakeEveryPieceOnItsThread() async throws {
        let upstream = try FakeUpstream { _ in .sse(["a", "b", "c", "d", "e"], delay: 0.02) }
        defer { upstream.stop() }
        let threads = Mailbox<UInt>()
        let bodies = try await withThrowingTaskGroup(of: String.self) { group in
            for index in 0..<4 {
                group.addTask {
                    let response = try await Self.engine.send(Self.get(upstream, "/\(index)"), timeouts: Timeouts(request: 30))
                    return try await response.readOnLoop {
                        var text = ""
                        for try await chunk in response.body {
                            threads.post(UInt(pthread_self()))
                            text += String(decoding: chunk, as: UTF8.self)
                        }
                        return text
                    }
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(bodies.count == 4)
        #expect(bodies.allSatisfy { $0.hasSuffix("data: [DONE]\n\n") })
        let loopThreads = Set(threads.snapshot())
        #expect(threads.count >= 4)
        #expect(loopThreads.count == 1, "pieces were taken on \(loopThreads.count) threads")
    }

    /// Cancelling a task that waits on the loop for its next piece ends it at once: the
    /// cancellation, from another thread, wakes the loop.
    @Test func cancellingAReaderOnTheLoopEndsItAtOnce() async throws {
        let upstream = try FakeUpstream { _ in FakeResponse(headers: [("Content-Type", "text/plain")], steps: [.send(Array("x".utf8)), .stall], chunked: true) }
        defer { upstream.stop() }
        let response = try await Self.engine.send(Self.get(upstream), timeouts: Timeouts(request: 600))
        let pieces = Mailbox<Int>()
        let reader = Task {
            try await response.readOnLoop {
                for try await chunk in response.body { pieces.post(chunk.count) }
            }
        }
        #expect(await Self.eventually { pieces.count > 0 })
        // Unwoken, the loop would next run the reader's job when the request's 600 s limit ran out:
        // ending well before that (half of it, room for a sanitized run on busy cores) is ending at once.
        let started = ContinuousClock.now
        reader.cancel()
        await #expect(throws: CancellationError.self) { try await reader.value }
        #expect(ContinuousClock.now - started < .seconds(300), "the cancelled reader waited for the loop's next turn")
        #expect(await Self.eventually { upstream.openConnectionCount == 0 })
    }
}
