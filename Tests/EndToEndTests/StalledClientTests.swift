import Foundation
import JSONRPC
import Testing
import TestSupport

extension EndToEnd {
/// Suspend, never block: streams whose output the client is not reading stall nothing else.
/// New requests still reach the upstream, cancels still close upstream connections and the
/// configuration methods still work, while the client reads nothing; once it reads again, every
/// delta of the streams it did not cancel arrives once and in order.
@Suite("a client that stops reading stalls nothing else")
struct StalledClientTests {
    typealias Hostile = HostileUpstreamTests

    /// Deltas of the stream the client keeps (finite), each naming its place.
    static let keptCount = 30_000
    static let pad = String(repeating: "k", count: 60)
    static func keptDelta(_ index: Int) -> String { "\(index)\(pad) " }

    /// An upstream whose streams flood: `flood` without end, `kept` for `keptCount` deltas; other
    /// requests are answered at once.
    static func upstream() throws -> FakeUpstream {
        let flood = Array(repeating: Array("data: \(Hostile.chunk(String(repeating: "f", count: 200)))\n\n".utf8), count: 64).joined()
        let kept = (0..<keptCount).map { "data: \(Hostile.chunk(keptDelta($0)))\n\n" }.joined() + "data: [DONE]\n\n"
        return try FakeUpstream { request in
            if request.method == "HEAD" { return FakeResponse(steps: []) }
            let text = request.text
            if text.contains("flood") { return Hostile.eventStream([.repeatForever(Array(flood))]) }
            if text.contains("kept") { return Hostile.eventStream([.send(Array(kept.utf8))]) }
            return .chatCompletion("probe answered")
        }
    }

    /// Waits until everything is stalled: the upstream is held back (the bytes it sent stop
    /// growing) and the daemon has relayed what it took (its CPU time stops growing). A slow
    /// build, such as a sanitized one, takes longer to get there.
    static func waitUntilStalled(_ upstream: FakeUpstream, _ daemon: DaemonProcess) -> Bool {
        var sent = upstream.bytesSent
        var cpu = ProcessStats.cpuSeconds(daemon.pid) ?? 0
        for _ in 0..<120 {
            Thread.sleep(forTimeInterval: 0.5)
            let (nowSent, nowCPU) = (upstream.bytesSent, ProcessStats.cpuSeconds(daemon.pid) ?? 0)
            if nowSent - sent < 256 << 10 && nowCPU - cpu < 0.03 { return true }
            (sent, cpu) = (nowSent, nowCPU)
        }
        return false
    }

    @Test(arguments: 1...4)
    func stalledStreamsStallNothingElse(stalled: Int) throws {
        let upstream = try Self.upstream()
        let harness = try Harness(upstream: upstream)
        let daemon = harness.daemon
        daemon.pauseReading()
        daemon.send(["jsonrpc": "2.0", "id": "kept", "method": "chat.complete", "params": chatParams("kept", stream: true)])
        for index in 1...stalled {
            daemon.send(["jsonrpc": "2.0", "id": .string("flood-\(index)"), "method": "chat.complete",
                         "params": chatParams("flood", stream: true)])
        }
        #expect(upstream.waitForRequests(stalled + 1, timeout: 10))
        #expect(Self.waitUntilStalled(upstream, daemon), "the daemon never came to a stall")

        // A new, unrelated request reaches the upstream at once.
        daemon.send(["jsonrpc": "2.0", "id": "probe", "method": "chat.complete", "params": chatParams("probe")])
        #expect(upstream.waitForRequests(stalled + 2, timeout: TestTiming.seconds(3)), "a new request did not reach the upstream within 3 s")
        // In-order methods are read and run: their answers wait their turn in the output.
        daemon.send(["jsonrpc": "2.0", "id": "config", "method": "config.update", "params": ["default_model": "after-the-stall"]])
        daemon.send(["jsonrpc": "2.0", "id": "seen", "method": "config.get"])
        // Cancelling the flooding streams closes their upstream connections within 3 s, unread.
        for index in 1...stalled {
            daemon.send(["jsonrpc": "2.0", "method": "$/cancelRequest", "params": ["id": .string("flood-\(index)")]])
        }
        // What stays open: the kept stream's connection, and the probe's, kept alive.
        #expect(upstream.waitForOpenConnections(atMost: 2, timeout: TestTiming.seconds(3)),
                "\(upstream.openConnectionCount) upstream connections still open 3 s after the cancels")

        daemon.resumeReading()
        let (kept, before) = try daemon.response(to: "kept", timeout: 120)
        var messages = before
        let contents = messages.filter { $0["method"] == "chat.delta" && $0["params"]?["request_id"] == "kept" }
            .compactMap { $0["params"]?["delta"]?["content"]?.stringValue }
        #expect(contents == (0..<Self.keptCount).map(Self.keptDelta), "deltas of the kept stream lost, repeated or out of order")
        #expect(kept.answer?.count == (0..<Self.keptCount).map(Self.keptDelta).joined().count)
        messages += try harness.finish()
        func answer(_ id: String) -> JSONValue? { messages.first { $0["id"] == .string(id) && $0["method"] == nil } }
        for index in 1...stalled {
            #expect(answer("flood-\(index)")?.errorCode == -32800, "flood-\(index) was not answered as cancelled")
        }
        #expect(answer("probe")?.answer == "probe answered")
        #expect(answer("seen")?["result"]?["default_model"] == "after-the-stall")
    }

    /// `shutdown` and `exit` are read and obeyed while every stream is stalled and the client
    /// reads nothing: the daemon exits once its last output could not be written in time.
    @Test func exitWorksWhileEveryStreamIsStalled() throws {
        let upstream = try Self.upstream()
        let harness = try Harness(upstream: upstream)
        harness.daemon.pauseReading()
        for index in 1...3 {
            harness.daemon.send(["jsonrpc": "2.0", "id": .number(index), "method": "chat.complete", "params": chatParams("flood", stream: true)])
        }
        #expect(Self.waitUntilStalled(upstream, harness.daemon))
        harness.daemon.send(["jsonrpc": "2.0", "id": 9, "method": "shutdown"])
        harness.daemon.send(["jsonrpc": "2.0", "method": "exit"])
        #expect(try harness.daemon.waitForExit(timeout: 30) == 0)
        harness.daemon.resumeReading()
        upstream.stop()
    }
}
}
