import Foundation
import JSONRPC
import Testing
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

extension EndToEnd {
/// A daemon out of file descriptors says so, and how to raise the limit, instead of "Couldn't
/// connect to server" or "cannot be read (permissions?)"; once descriptors are free again it works.
///
/// The daemon's open-file limit is lowered while it runs (`prlimit`): to 3, so that every new
/// descriptor fails with EMFILE while those it holds (stdin, stdout, its log, its event loop)
/// still work. The test then raises it again.
@Suite("out of file descriptors end to end")
struct DescriptorLimitTests {
    /// Sets the soft open-file limit of process `pid` (with util-linux's `prlimit`); returns the
    /// one it had, read from /proc/PID/limits.
    @discardableResult
    static func setOpenFileLimit(of pid: Int32, to soft: String?) throws -> String {
        let limits = try String(contentsOfFile: "/proc/\(pid)/limits", encoding: .utf8)
        let line = try #require(limits.split(separator: "\n").first { $0.hasPrefix("Max open files") })
        let fields = line.dropFirst("Max open files".count).split(separator: " ").map(String.init)
        if let soft {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/prlimit")
            process.arguments = ["--pid", String(pid), "--nofile=\(soft):\(fields[1])"]
            try process.run()
            process.waitUntilExit()
            #expect(process.terminationStatus == 0)
        }
        return fields[0]
    }

    static func expectDescriptorAdvice(_ response: JSONValue, code: Int, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(response.errorCode == code, "\(response)", sourceLocation: sourceLocation)
        let message = response["error"]?["message"]?.stringValue ?? ""
        #expect(message.contains("Too many open files") || message.contains("as many files and connections open as its limit allows"),
                "\(message)", sourceLocation: sourceLocation)
        #expect(message.contains("ulimit -n"), "\(message)", sourceLocation: sourceLocation)
        #expect(!message.contains("permissions?"), "\(message)", sourceLocation: sourceLocation)
    }

    @Test func aNewConnectionAndALocalFileNameTheLimit() throws {
        let harness = try Harness(responses: [.chatCompletion("warm"), .chatCompletion("again")])
        let elsewhere = try FakeUpstream { _ in .chatCompletion("after the limit was raised") }
        defer { elsewhere.stop() }
        let image = try MediaFixtures.file("photo.png", MediaFixtures.png)
        let (warm, _) = try harness.daemon.call("chat.complete", chatParams(), id: "warm")
        #expect(warm.answer == "warm")
        // Another origin needs a new connection, which needs a socket.
        _ = try harness.daemon.call("config.update", ["base_url": .string(elsewhere.baseURL), "max_retries": 0], id: "move")
        let limit = try Self.setOpenFileLimit(of: harness.daemon.pid, to: "3")
        let (connect, _) = try harness.daemon.call("chat.complete", chatParams(), id: 1)
        Self.expectDescriptorAdvice(connect, code: -32002)
        let (file, _) = try harness.daemon.call("chat.describeImage", ["image": .string(image)], id: 2)
        Self.expectDescriptorAdvice(file, code: -32006)
        try Self.setOpenFileLimit(of: harness.daemon.pid, to: limit)
        let (recovered, _) = try harness.daemon.call("chat.complete", chatParams(), id: 3)
        try harness.finish()
        #expect(recovered.answer == "after the limit was raised")
    }

    /// The first request loads libcurl, which opens its file: out of descriptors then, the error
    /// said to install libcurl, and the failure stayed for the daemon's life.
    @Test func loadingLibcurlWithoutDescriptorsNamesTheLimitAndIsTriedAgain() throws {
        let harness = try Harness(responses: [.chatCompletion("loaded at last")])
        let (started, _) = try harness.daemon.call("config.get", id: "started")
        #expect(started["result"] != nil)
        let limit = try Self.setOpenFileLimit(of: harness.daemon.pid, to: "3")
        let (failed, _) = try harness.daemon.call("chat.complete", chatParams(), id: 1)
        Self.expectDescriptorAdvice(failed, code: -32002)
        try Self.setOpenFileLimit(of: harness.daemon.pid, to: limit)
        let (loaded, _) = try harness.daemon.call("chat.complete", chatParams(), id: 2)
        try harness.finish()
        #expect(loaded.answer == "loaded at last")
    }
}
}
