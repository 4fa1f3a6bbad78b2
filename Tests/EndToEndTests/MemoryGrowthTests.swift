import Foundation
import JSONRPC
import Testing
import TestSupport

extension EndToEnd {
/// Memory that must not grow with the number of requests served.
@Suite("memory per request end to end")
struct MemoryGrowthTests {
    /// Sends `count` chat requests in bursts of 64 and reads every answer.
    static func serve(_ daemon: DaemonProcess, count: Int, from first: Int) throws {
        var next = first
        while next < first + count {
            let burst = min(64, first + count - next)
            var bytes: [UInt8] = []
            for id in next..<(next + burst) {
                let request: JSONValue = ["jsonrpc": "2.0", "id": .number(id), "method": "chat.complete", "params": chatParams()]
                bytes += request.serialized() + [0x0A]
            }
            daemon.write(bytes)
            var answered = 0
            while answered < burst {
                let message = try daemon.next(timeout: 30)
                if message["id"] != nil && message["method"] == nil {
                    #expect(message.answer == "ok", "\(message)")
                    answered += 1
                }
            }
            next += burst
        }
    }

    /// RSS after 30,000 upstream requests is within 1 MiB of RSS after 10,000: nothing is kept
    /// per request (an allocation a request leaves behind would show as about 2.5 MiB here).
    @Test func rssDoesNotGrowWithRequestsServed() throws {
        // A sanitizer's shadow memory and quarantine make RSS meaningless (scripts/sanitize.sh).
        guard ProcessInfo.processInfo.environment["SWITCHBOARD_SANITIZED"] == nil else { return }
        let harness = try Harness { _ in .chatCompletion("ok") }
        try Self.serve(harness.daemon, count: 10_000, from: 0)
        let after10k = try #require(ProcessStats.residentMiB(harness.daemon.pid))
        try Self.serve(harness.daemon, count: 20_000, from: 10_000)
        let after30k = try #require(ProcessStats.residentMiB(harness.daemon.pid))
        #expect(after30k - after10k <= 1, "RSS grew from \(after10k) MiB after 10k requests to \(after30k) MiB after 30k")
        try harness.finish(conformance: { _ in })
    }
}
}
