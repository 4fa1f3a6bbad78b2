import Foundation
import JSONRPC
import Testing
import TestSupport

extension EndToEnd {
/// stdin and stdout as UNIX stream sockets, as Node (libuv), VS Code and Neovim spawn the daemon:
/// a socket buffers more than a pipe and says "writable" differently, and everything must hold
/// over it as over pipes.
@Suite("stdio over UNIX sockets")
struct UnixSocketStdioTests {
    typealias Stalled = StalledClientTests

    @Test func aStreamedChatArrivesWhole() throws {
        let pieces = (0..<2_000).map { "piece \($0) " }
        let upstream = try FakeUpstream { request in
            request.method == "HEAD" ? FakeResponse(steps: []) : .chatStream(pieces)
        }
        let harness = try Harness(upstream: upstream, stdio: .unixSockets)
        for fd in 0...1 {
            let target = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(harness.daemon.pid)/fd/\(fd)")
            #expect(target.hasPrefix("socket:"), "fd \(fd) is \(target), not a socket")
        }
        let (response, before) = try harness.daemon.call("chat.complete", chatParams(stream: true), id: 1)
        let deltas = before.filter { $0["method"] == "chat.delta" }.compactMap { $0["params"]?["delta"]?["content"]?.stringValue }
        #expect(deltas.filter { !$0.isEmpty } == pieces, "deltas lost, repeated or out of order")
        #expect(response.answer == pieces.joined())
        try harness.finish()
    }

    @Test func lspFramingIsAdoptedAndMalformedInputAnsweredInIt() throws {
        let harness = try Harness(upstream: try FakeUpstream { _ in FakeResponse(steps: []) }, stdio: .unixSockets)
        func lspFrame(_ body: [UInt8]) -> [UInt8] { Array("Content-Length: \(body.count)\r\n\r\n".utf8) + body }
        func nextLSPMessage() throws -> JSONValue {
            let event = try harness.daemon.nextFrame()
            guard case .message(let bytes, let framing) = event, framing == .lsp else {
                Issue.record("got \(event), not an LSP-framed message")
                return .null
            }
            return try JSONParser.parse(bytes)
        }
        harness.daemon.write(lspFrame((["jsonrpc": "2.0", "id": 1, "method": "config.get"] as JSONValue).serialized()))
        #expect(try nextLSPMessage()["result"] != nil)
        harness.daemon.write(lspFrame(Array("{not json".utf8)))
        #expect(try nextLSPMessage().errorCode == -32700)
        harness.daemon.write(lspFrame((["jsonrpc": "2.0", "id": 2, "method": "no.such.method"] as JSONValue).serialized()))
        #expect(try nextLSPMessage().errorCode == -32601)
        try harness.finish()
    }

    /// As `StalledClientTests` over pipes: streams the client does not read fill the socket's
    /// buffer, and a new request still reaches the upstream and cancels still close theirs.
    @Test func aClientThatStopsReadingTheSocketStallsNothingElse() throws {
        let upstream = try Stalled.upstream()
        let harness = try Harness(upstream: upstream, stdio: .unixSockets)
        let daemon = harness.daemon
        daemon.pauseReading()
        for index in 1...2 {
            daemon.send(["jsonrpc": "2.0", "id": .string("flood-\(index)"), "method": "chat.complete",
                         "params": chatParams("flood", stream: true)])
        }
        #expect(upstream.waitForRequests(2, timeout: 10))
        #expect(Stalled.waitUntilStalled(upstream, daemon), "the daemon never came to a stall")

        daemon.send(["jsonrpc": "2.0", "id": "probe", "method": "chat.complete", "params": chatParams("probe")])
        #expect(upstream.waitForRequests(3, timeout: TestTiming.seconds(3)), "a new request did not reach the upstream within 3 s")
        for index in 1...2 {
            daemon.send(["jsonrpc": "2.0", "method": "$/cancelRequest", "params": ["id": .string("flood-\(index)")]])
        }
        // What stays open: the probe's connection, kept alive.
        #expect(upstream.waitForOpenConnections(atMost: 1, timeout: TestTiming.seconds(3)),
                "\(upstream.openConnectionCount) upstream connections still open 3 s after the cancels")

        daemon.resumeReading()
        let messages = try harness.finish()
        func answer(_ id: String) -> JSONValue? { messages.first { $0["id"] == .string(id) && $0["method"] == nil } }
        for index in 1...2 {
            #expect(answer("flood-\(index)")?.errorCode == -32800, "flood-\(index) was not answered as cancelled")
        }
        #expect(answer("probe")?.answer == "probe answered")
    }
}
}
