import Foundation
import JSONRPC
import Testing
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// The documented outcome of each upstream and client fault (protocol/README.md, "Faults"):
/// a clear error, the daemon keeps serving, nothing lost.
extension EndToEnd {
@Suite("fault matrix")
struct FaultMatrixTests {
    static func chunk(_ content: String, finish: String? = nil) -> String {
        let reason = finish.map { "\"\($0)\"" } ?? "null"
        let escaped = JSONValue.string(content).jsonText
        return #"{"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":\#(escaped)},"finish_reason":\#(reason)}]}"#
    }

    static func eventStream(_ steps: [FakeResponse.Step]) -> FakeResponse {
        FakeResponse(status: 200, headers: [("Content-Type", "text/event-stream")], steps: steps, chunked: true)
    }

    // MARK: - Upstream faults

    @Test func aStreamThatStallsBeforeItsHeadersHitsTheFirstByteTimeout() throws {
        let harness = try Harness(arguments: ["--first-byte-timeout", "0.5", "--idle-timeout", "0.2", "--max-retries", "0"],
                                  responses: [FakeResponse(steps: [.stall])])
        let started = Date()
        let (response, _) = try harness.daemon.call("chat.complete", chatParams(stream: true))
        let elapsed = Date().timeIntervalSince(started)
        let (next, _) = try harness.daemon.call("config.get", id: 2)
        try harness.finish()
        #expect(response.errorCode == -32003)
        #expect(response["error"]?["data"]?["kind"] == "first_byte")
        #expect(response["error"]?["message"]?.stringValue?.contains("first_byte_timeout_seconds") == true)
        #expect(elapsed >= 0.5 && elapsed < 5, "timed out after \(elapsed) s")
        #expect(next["result"] != nil, "the daemon keeps serving")
    }

    /// A server that thinks before its headers (llama-server processing a long prompt) is not cut
    /// off by the silence allowed between events.
    @Test func theIdleTimeoutStartsOnlyOnceTheAnswerHasStarted() throws {
        var late = FakeResponse.chatStream(["thought ", "long"])
        late.steps.insert(.sleep(1.0), at: 0)
        let harness = try Harness(arguments: ["--idle-timeout", "0.3", "--first-byte-timeout", "5", "--max-retries", "0"],
                                  responses: [late])
        let (response, _) = try harness.daemon.call("chat.complete", chatParams(stream: true))
        try harness.finish()
        #expect(response.answer == "thought long")
    }

    @Test func anHTMLPageAnsweringAStreamIsABadResponse() throws {
        let harness = try Harness(responses: [.text("<html><title>Sign in</title></html>", contentType: "text/html")])
        let (response, _) = try harness.daemon.call("chat.complete", chatParams(stream: true))
        try harness.finish()
        #expect(response.errorCode == -32004)
        #expect(response["error"]?["message"]?.stringValue?.contains("text/html") == true)
    }

    @Test func invalidUTF8InTheStreamBecomesReplacementCharacters() throws {
        let bytes = Array("data: ".utf8) + Array(Self.chunk("ok ").utf8.prefix(while: { _ in true }))
        let broken = Array(#"{"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"bad "#.utf8)
            + [0xFF, 0xFE] + Array(#""},"finish_reason":"stop"}]}"#.utf8)
        let harness = try Harness(responses: [Self.eventStream([.send(bytes + Array("\n\n".utf8)), .send(Array("data: ".utf8) + broken + Array("\n\ndata: [DONE]\n\n".utf8))])])
        let (response, before) = try harness.daemon.call("chat.complete", chatParams(stream: true))
        try harness.finish()
        #expect(response.answer == "ok bad \u{FFFD}\u{FFFD}")
        #expect(streamedText(before) == "ok bad \u{FFFD}\u{FFFD}")
    }

    @Test func aStreamThatFinishesButNeverSendsDoneIsComplete() throws {
        let harness = try Harness(responses: [Self.eventStream([.send(Array("data: \(Self.chunk("all", finish: "stop"))\n\n".utf8))])])
        let (response, _) = try harness.daemon.call("chat.complete", chatParams(stream: true))
        try harness.finish()
        #expect(response.answer == "all")
    }

    @Test func tenMegabytesInOneEventAreRelayedWhole() throws {
        let big = String(repeating: "z", count: 10 * 1024 * 1024)
        let harness = try Harness(responses: [.sse([Self.chunk(big, finish: "stop")])])
        let (response, before) = try harness.daemon.call("chat.complete", chatParams(stream: true), timeout: 60)
        try harness.finish()
        #expect(streamedText(before).count == big.count)
        #expect(response.answer?.count == big.count)
    }

    // MARK: - Client faults

    @Test func aHundredMegabyteLineIsRefusedWithoutBeingHeld() throws {
        let harness = try Harness(arguments: ["--max-message-bytes", "1048576"], responses: [])
        let line = Array(#"{"jsonrpc":"2.0","id":1,"method":"config.get","params":{"pad":""#.utf8)
            + [UInt8](repeating: UInt8(ascii: "x"), count: 100 * 1024 * 1024) + Array("\"}}\n".utf8)
        harness.daemon.write(line)
        let refused = try harness.daemon.next(timeout: 60)
        #expect(refused.errorCode == -32600)
        let (ok, _) = try harness.daemon.call("config.get", id: 2)
        #expect(ok["result"] != nil)
        // A sanitizer's shadow memory and quarantine make RSS meaningless (scripts/sanitize.sh).
        if ProcessInfo.processInfo.environment["SWITCHBOARD_SANITIZED"] == nil {
            let peak = try Self.peakResidentMiB(of: harness.daemon.pid)
            #expect(peak < 64, "peak RSS \(peak) MiB while a 100 MiB line went by")
        }
        try harness.finish()
    }

    @Test func aClientThatClosesStdoutEarlyDoesNotKillTheDaemon() throws {
        let upstream = try FakeUpstream { _ in .chatStream(["still", " served"]) }
        defer { upstream.stop() }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: DaemonProcess.binaryPath)
        process.environment = DaemonProcess.cleanEnvironment().merging(
            ["OPENAI_API_KEY": testKey, "OPENAI_BASE_URL": upstream.baseURL]) { _, new in new }
        let input = Pipe(), output = Pipe(), errors = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        try output.fileHandleForReading.close()
        let request: JSONValue = ["jsonrpc": "2.0", "id": 1, "method": "chat.complete", "params": chatParams(stream: true)]
        try input.fileHandleForWriting.write(contentsOf: Data(request.serialized() + [0x0A]))
        try input.fileHandleForWriting.close()
        let deadline = Date().addingTimeInterval(10)
        while process.isRunning && Date() < deadline { usleep(10_000) }
        #expect(!process.isRunning, "the daemon exits at end of input")
        #expect(process.terminationReason == .exit, "not killed by SIGPIPE")
        #expect(process.terminationStatus == 0)
        #expect(upstream.requests.count == 1, "the request was still served")
    }

    /// VmHWM of a live process, in MiB.
    static func peakResidentMiB(of pid: Int32) throws -> Int {
        let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
        let line = status.split(separator: "\n").first { $0.hasPrefix("VmHWM:") } ?? ""
        let kilobytes = Int(line.split(separator: " ").dropFirst().first { !$0.isEmpty }?.trimmingCharacters(in: .whitespaces) ?? "") ?? 0
        return kilobytes / 1024
    }
}
}
