import Foundation
import HTTP
import Testing
import TestSupport

/// `HTTPResponse.consume`: a body's pieces handed to a synchronous consumer on the loop's thread,
/// with stops, errors, endings and cancellation, including a cancel that comes while the consumer runs.
@Suite("HTTP engine: piece consumers")
struct PieceConsumerTests {
    static let engine = HTTPEngine()

    private struct Refused: Error, Equatable {}

    /// A stream that sends "x" and then nothing: a reader of it waits.
    private static func stallingUpstream() throws -> FakeUpstream {
        try FakeUpstream { _ in FakeResponse(headers: [("Content-Type", "text/plain")], steps: [.send(Array("x".utf8)), .stall], chunked: true) }
    }

    @Test func everyPieceGoesToTheConsumerInOrderOnOneThread() async throws {
        let upstream = try FakeUpstream { _ in .sse(["a", "b", "c", "d", "e"], delay: 0.02) }
        defer { upstream.stop() }
        let response = try await Self.engine.send(HTTPRequest(method: "GET", url: upstream.baseURL + "/x"), timeouts: Timeouts(request: 30))
        var body: [UInt8] = []
        var threads: Set<UInt> = []
        var calls = 0
        // On the loop (as a stream relay reads): what was buffered before the call is consumed there too.
        let stopped = try await response.readOnLoop {
            try await response.consume { piece in
                body += piece
                threads.insert(UInt(pthread_self()))
                calls += 1
                return true
            }
        }
        #expect(!stopped, "the body's end")
        #expect(String(decoding: body, as: UTF8.self) == (["a", "b", "c", "d", "e"].map { "data: \($0)\n\n" }.joined() + "data: [DONE]\n\n"))
        #expect(calls >= 1)
        #expect(threads.count == 1, "pieces were consumed on \(threads.count) threads")
    }

    /// The consumer stops after its first piece; the next call gets the rest (usually buffered
    /// meanwhile, handed over before the call waits), nothing lost or repeated. A reader on a
    /// loaded machine may get the whole body as its first piece: then the rest is empty.
    @Test func aConsumerThatStopsGetsTheRestOnTheNextCall() async throws {
        let first = "data: a\n\n"
        let rest = ["b", "c", "d", "e"].map { "data: \($0)\n\n" }.joined() + "data: [DONE]\n\n"
        let upstream = try FakeUpstream { _ in
            FakeResponse(headers: [("Content-Type", "text/event-stream")],
                         steps: [.send(Array(first.utf8)), .sleep(TestTiming.seconds(0.3)), .send(Array(rest.utf8))], chunked: true)
        }
        defer { upstream.stop() }
        let response = try await Self.engine.send(HTTPRequest(method: "GET", url: upstream.baseURL + "/x"), timeouts: Timeouts(request: 30))
        var body: [UInt8] = []
        var calls = 0
        #expect(try await response.consume { piece in
            body += piece
            calls += 1
            return false
        })
        #expect(calls == 1, "a consumer that stopped was called again")
        #expect(String(decoding: body, as: UTF8.self).hasPrefix(first))
        try await Task.sleep(for: .seconds(TestTiming.seconds(0.6)))
        #expect(!(try await response.consume { piece in
            body += piece
            return true
        }))
        #expect(String(decoding: body, as: UTF8.self) == first + rest)
    }

    @Test func whatTheConsumerThrowsEndsTheCallAsItIs() async throws {
        let upstream = try Self.stallingUpstream()
        defer { upstream.stop() }
        let response = try await Self.engine.send(HTTPRequest(method: "GET", url: upstream.baseURL + "/x"), timeouts: Timeouts(request: 600))
        await #expect(throws: Refused.self) { _ = try await response.consume { _ in throw Refused() } }
        response.cancel()
        #expect(await HTTPEngineTests.eventually { upstream.openConnectionCount == 0 })
    }

    @Test func aBodyCutShortFailsTheCall() async throws {
        let upstream = try FakeUpstream { _ in FakeResponse(headers: [("Content-Length", "100")], steps: [.send(Array("short".utf8)), .close]) }
        defer { upstream.stop() }
        let response = try await Self.engine.send(HTTPRequest(method: "GET", url: upstream.baseURL + "/x"), timeouts: Timeouts(request: 30))
        var body: [UInt8] = []
        do {
            _ = try await response.consume { piece in
                body += piece
                return true
            }
            Issue.record("no error")
        } catch let HTTPError.transport(_, afterHead) {
            #expect(afterHead)
        }
        #expect(body == Array("short".utf8))
    }

    @Test func cancellingTheWaitingTaskEndsItAtOnceAndClosesTheConnection() async throws {
        let upstream = try Self.stallingUpstream()
        defer { upstream.stop() }
        let response = try await Self.engine.send(HTTPRequest(method: "GET", url: upstream.baseURL + "/x"), timeouts: Timeouts(request: 600))
        let pieces = Mailbox<Int>()
        let reader = Task {
            try await response.consume { piece in
                pieces.post(piece.count)
                return true
            }
        }
        #expect(await HTTPEngineTests.eventually { pieces.count > 0 })
        // The request's own limit (600 s) is far off: ending well before it is ending at once.
        let started = ContinuousClock.now
        reader.cancel()
        await #expect(throws: CancellationError.self) { _ = try await reader.value }
        #expect(ContinuousClock.now - started < .seconds(300))
        #expect(await HTTPEngineTests.eventually { upstream.openConnectionCount == 0 })
    }

    /// A cancel from another thread while the loop is inside the consumer: the waiting task is
    /// resumed only once the consumer has returned (it shares the consumer's state), then learns
    /// of the cancel. The reader does not prefer the loop (`readOnLoop` would serialize the two
    /// anyway). Nothing blocks a thread of the shared pool: the consumer holds still only when
    /// the loop calls it; a reader that starts late on a loaded machine, and so consumes the
    /// piece itself, is not held (the race is then not exercised, and the order still checked).
    @Test func aCancelWhileTheConsumerRunsWaitsForItToReturn() async throws {
        // The head at once (an empty send), the first piece once the reader waits: the loop, not
        // the reader, consumes it.
        let upstream = try FakeUpstream { _ in
            FakeResponse(headers: [("Content-Type", "text/plain")],
                         steps: [.send([]), .sleep(TestTiming.seconds(0.5)), .send(Array("x".utf8)), .stall], chunked: true)
        }
        defer { upstream.stop() }
        let response = try await Self.engine.send(HTTPRequest(method: "GET", url: upstream.baseURL + "/x"), timeouts: Timeouts(request: 600))
        // The loop's thread, as a task that prefers the loop runs there.
        let loopThread = try await response.readOnLoop { UInt(pthread_self()) }
        let release = DispatchSemaphore(value: 0)
        let events = Mailbox<String>()
        let reader = Task {
            var calls = 0
            defer { events.post("reader returned after \(calls) calls") }
            _ = try await response.consume { _ in
                calls += 1
                if calls == 1 {
                    let onLoop = UInt(pthread_self()) == loopThread
                    events.post(onLoop ? "consumer entered on the loop" : "consumer entered on the reader's thread")
                    if onLoop { release.wait() }
                    events.post("consumer returned")
                }
                return true
            }
        }
        #expect(await HTTPEngineTests.eventually { events.count > 0 })
        let held = events.snapshot().first == "consumer entered on the loop"
        Thread { response.cancel() }.start()
        if held {
            try await Task.sleep(for: .milliseconds(300))
            #expect(events.snapshot() == ["consumer entered on the loop"], "the reader went on while its consumer ran")
            release.signal()
        }
        await #expect(throws: CancellationError.self) { try await reader.value }
        #expect(events.snapshot().suffix(2) == ["consumer returned", "reader returned after 1 calls"])
        #expect(await HTTPEngineTests.eventually { upstream.openConnectionCount == 0 })
    }

}
