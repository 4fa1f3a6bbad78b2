import Foundation
import JSONRPC
import Testing
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

extension EndToEnd {
/// `api_key_command` runs beside the daemon, not inside it: a slow one holds up only the requests
/// that need its key, one that never ends is stopped, and either can be cancelled.
@Suite("api_key_command end to end")
struct KeyCommandTests {
    /// A harness whose key comes from `command` (the environment's key removed).
    static func harness(command: [String], timeout: Double? = nil, responses: [FakeResponse] = []) throws -> Harness {
        let harness = try Harness(responses: responses)
        var patch: JSONObject = ["api_key": .null, "api_key_command": .array(command.map(JSONValue.string))]
        if let timeout { patch["api_key_command_timeout_seconds"] = .number(timeout) }
        let (updated, _) = try harness.daemon.call("config.update", .object(patch), id: "setup")
        #expect(updated["result"] != nil)
        return harness
    }

    @Test func aSlowCommandHoldsUpOnlyTheRequestsThatNeedItsKey() throws {
        let key = "sk-slow-command-5e1d07"
        let harness = try Self.harness(command: ["sh", "-c", "sleep 3; echo \(key)"], responses: [.chatCompletion("worth the wait")])
        // Two requests wait for the key: once, they held both threads of a two-core machine's pool.
        harness.daemon.send(["jsonrpc": "2.0", "id": 1, "method": "chat.complete", "params": chatParams()])
        harness.daemon.send(["jsonrpc": "2.0", "id": 2, "method": "chat.complete", "params": chatParams()])
        Thread.sleep(forTimeInterval: 0.3)
        let started = Date()
        let (config, _) = try harness.daemon.call("config.get", id: 3, timeout: 2)
        let (discover, _) = try harness.daemon.call("rpc.discover", id: 4, timeout: 2)
        #expect(config["result"]?["api_key_command"] != nil)
        #expect(discover["result"]?["openrpc"] != nil)
        harness.daemon.send(["jsonrpc": "2.0", "method": "$/cancelRequest", "params": ["id": 1]])
        let (cancelled, _) = try harness.daemon.response(to: 1, timeout: 2)
        #expect(cancelled.errorCode == -32800)
        #expect(Date().timeIntervalSince(started) < 2, "answered while the command was still running")
        let (answered, _) = try harness.daemon.response(to: 2, timeout: 10)
        try harness.finish()
        #expect(answered.answer == "worth the wait")
        #expect(harness.upstream.requests.map { $0.header("authorization") } == ["Bearer \(key)"])
    }

    /// Also when it ignores SIGTERM: SIGKILL follows a second later.
    @Test(arguments: ["", "trap '' TERM; "])
    func aCommandThatNeverEndsIsStoppedAfterItsTimeOutAndNamed(prelude: String) throws {
        let pidFile = FileManager.default.temporaryDirectory.appendingPathComponent("switchboard-keycmd-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: pidFile) }
        let script = prelude + "echo $$ > '\(pidFile.path)'; exec sleep 60"
        let harness = try Self.harness(command: ["sh", "-c", script], timeout: 1)
        let started = Date()
        let (response, _) = try harness.daemon.call("chat.complete", chatParams(), timeout: 6)
        #expect(Date().timeIntervalSince(started) < 4)
        #expect(response.errorCode == -32005)
        #expect(response["error"]?["data"]?["field"] == "api_key_command")
        let message = response["error"]?["message"]?.stringValue ?? ""
        #expect(message.contains(#"["sh","-c",""# + prelude + "echo $$ >"), "\(message)")
        #expect(message.contains("did not finish within 1 s"), "\(message)")
        let pid = try #require(Int32((try String(contentsOf: pidFile, encoding: .utf8)).trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(Self.waitUntilGone(pid), "the command (pid \(pid)) was stopped")
        let (config, _) = try harness.daemon.call("config.get", id: 2)
        #expect(config["result"] != nil)
        try harness.finish()
        #expect(harness.upstream.requests.isEmpty)
    }

    @Test func aFailingCommandIsNamedWithItsStatusAndRunAgainNextTime() throws {
        let counter = FileManager.default.temporaryDirectory.appendingPathComponent("switchboard-keycount-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: counter) }
        let harness = try Self.harness(command: ["sh", "-c", "echo run >> '\(counter.path)'; exit 3"])
        let (first, _) = try harness.daemon.call("chat.complete", chatParams(), id: 1)
        let (second, _) = try harness.daemon.call("chat.complete", chatParams(), id: 2)
        try harness.finish()
        for response in [first, second] {
            #expect(response.errorCode == -32005)
            #expect(response["error"]?["message"]?.stringValue?.hasSuffix("exited with status 3") == true, "\(response)")
        }
        #expect(try String(contentsOf: counter, encoding: .utf8) == "run\nrun\n", "a failed run is not remembered")
    }

    // MARK: - What the command prints

    @Test(arguments: ["sk-pass-entry-4c1f\nlogin: me\nurl: https://example.org\n", "sk-pass-entry-4c1f\r\nlogin: me\r\n", "  sk-pass-entry-4c1f  "])
    func theKeyIsTheFirstLineAsPassPrintsIt(output: String) throws {
        let harness = try Self.harness(command: ["printf", "%s", output], responses: [.chatCompletion("ok")])
        let (response, _) = try harness.daemon.call("chat.complete", chatParams())
        try harness.finish()
        #expect(response.answer == "ok")
        #expect(harness.upstream.requests.map { $0.header("authorization") } == ["Bearer sk-pass-entry-4c1f"])
        // The whole output in the header: its further lines arrived as headers of their own.
        #expect(harness.upstream.requests.first?.header("login") == nil)
    }

    /// Each output is a `printf` format, so that the arguments hold no control character.
    @Test(arguments: [
        (#"sk-ctl-\007-bell-9a8b\n"#, "control character (U+0007)"),
        (#"sk-ctl-\t-tab-9a8b\n"#, "control character (U+0009)"),
        (#"sk-ctl-\r-cr-9a8b\n"#, "control character (U+000D)"),
        (#"sk-ctl-\000-nul-9a8b\n"#, "control character (U+0000)"),
        (#"\nsk-second-line-9a8b\n"#, "empty first line"),
        (String(repeating: "k", count: 64 * 1024 + 1), "more than 64 KiB"),
    ])
    func anUnusableKeyIsRefusedWithoutBeingShown(format: String, problem: String) throws {
        let harness = try Self.harness(command: ["printf", format])
        let (response, _) = try harness.daemon.call("chat.complete", chatParams())
        try harness.finish()
        #expect(response.errorCode == -32005)
        #expect(response["error"]?["data"]?["field"] == "api_key_command")
        let message = response["error"]?["message"]?.stringValue ?? ""
        #expect(message.contains(problem), "\(message.prefix(300))")
        #expect(harness.upstream.requests.isEmpty)
        // The command's argv holds the format; what the daemon adds must not quote the output.
        let added = message.replacingOccurrences(of: String(decoding: JSONValue.string(format).serialized(), as: UTF8.self), with: "")
        for fragment in ["9a8b", "kkkkkkkk"] {
            #expect(!added.contains(fragment), "\(message.prefix(300))")
            #expect(!harness.daemon.stderr.contains(fragment))
        }
    }

    // MARK: - Signals

    /// The command starts with no signal blocked and none ignored: the daemon ignores SIGPIPE
    /// (and SIGINT and SIGTERM until its signal queue takes them), and an ignored signal stays
    /// ignored across exec.
    @Test func theCommandStartsWithDefaultSignalsAndMask() throws {
        let report = FileManager.default.temporaryDirectory.appendingPathComponent("switchboard-keysig-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: report) }
        let harness = try Self.harness(command: ["sh", "-c", "grep -E '^Sig(Blk|Ign):' /proc/self/status > '\(report.path)'; echo sk-signals-0f3e"],
                                       responses: [.chatCompletion("ok")])
        let (response, _) = try harness.daemon.call("chat.complete", chatParams())
        try harness.finish()
        #expect(response.answer == "ok")
        // Signals 1-31; glibc keeps 32 and 33 for its threads.
        let masks = try String(contentsOf: report, encoding: .utf8).split(separator: "\n").map { line in
            line.split(separator: "\t").last.flatMap { UInt64($0, radix: 16) }.map { $0 & 0x7FFF_FFFF }
        }
        #expect(masks == [0, 0], "blocked, then ignored")
    }

    /// A command that traps SIGTERM hears it on time-out, and can clean up before it ends.
    @Test func aCommandIsToldToStopOnTimeOutAndCanCleanUp() throws {
        let marker = FileManager.default.temporaryDirectory.appendingPathComponent("switchboard-keyterm-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: marker) }
        let script = "trap 'echo terminated > \"\(marker.path)\"; exit 1' TERM; while :; do sleep 0.05; done"
        let harness = try Self.harness(command: ["sh", "-c", script], timeout: 1)
        let (response, _) = try harness.daemon.call("chat.complete", chatParams(), timeout: 6)
        #expect(response.errorCode == -32005)
        let deadline = Date().addingTimeInterval(3)
        while !FileManager.default.fileExists(atPath: marker.path), Date() < deadline { usleep(20_000) }
        try harness.finish()
        #expect((try? String(contentsOf: marker, encoding: .utf8)) == "terminated\n")
    }

    /// The client leaves right after the time-out's -32005: the daemon exits before its SIGKILL
    /// a second later, and a command ignoring SIGTERM ran on for ever. The exit ends it.
    @Test func aCommandIgnoringSIGTERMDoesNotOutliveTheDaemon() throws {
        let pidFile = FileManager.default.temporaryDirectory.appendingPathComponent("switchboard-keyexit-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: pidFile) }
        let harness = try Self.harness(command: ["sh", "-c", "trap '' TERM; echo $$ > '\(pidFile.path)'; exec sleep 60"], timeout: 1)
        let (response, _) = try harness.daemon.call("chat.complete", chatParams(), timeout: 6)
        #expect(response.errorCode == -32005)
        try harness.finish()
        let pid = try #require(Int32((try String(contentsOf: pidFile, encoding: .utf8)).trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(Self.waitUntilGone(pid), "the command (pid \(pid)) ended with the daemon")
        if kill(pid, 0) == 0 { kill(pid, SIGKILL) }
    }

    /// Whether process `pid` is gone (or a zombie nobody has reaped yet) within 3 s.
    static func waitUntilGone(_ pid: Int32) -> Bool {
        let deadline = Date().addingTimeInterval(3)
        while Date() < deadline {
            if kill(pid, 0) != 0 { return true }
            if let status = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
               status.split(separator: ")").last?.split(separator: " ").first == "Z" { return true }
            usleep(20_000)
        }
        return false
    }
}
}
