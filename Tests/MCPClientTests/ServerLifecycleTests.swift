import Foundation
import JSONRPC
import MCPClient
import Testing
import TestSupport

/// Cancellation, time limits, crashes and restarts, stopping: fake stdio servers through the pool.
@Suite("MCP client: server lifecycle")
struct ServerLifecycleTests {
    @Test func cancellingACallEndsItAtOnceAndTellsTheServer() async throws {
        // The server's time limit is far off: only the cancel can end the call in time.
        let server = FakeServer("modern", timeout: 600)
        defer { server.remove() }
        try await withPool { pool async throws in
            _ = try await pool.tools(of: server.spec)
            let call = Task { try await pool.text("hang", on: server.spec) }
            let sent = try #require(try await server.waitForLine(startingWith: "tools/call "))
            #expect(sent.contains("\"hang\""))
            let started = ContinuousClock.now
            call.cancel()
            await #expect(throws: CancellationError.self) { try await call.value }
            #expect(ContinuousClock.now - started < .seconds(300), "the call waited for its time limit")
            let cancelled = try #require(try await server.waitForLine(startingWith: "notifications/cancelled "))
            #expect(cancelled.contains(#""reason": "cancelled by the client""#), "\(cancelled)")
            #expect(cancelled.contains(#""requestId": "#))
            // The server stays usable.
            #expect(try await pool.text("echo", ["text": "still here"], on: server.spec) == "still here")
        }
    }

    @Test func aCallOverTheTimeLimitFailsAndIsCancelledOnTheServer() async throws {
        let server = FakeServer("legacy")
        defer { server.remove() }
        var limited = server.spec
        limited.timeoutSeconds = 1  // per call: the running server is kept
        try await withPool { pool async throws in
            _ = try await pool.tools(of: server.spec)
            let started = ContinuousClock.now
            let error = await #expect(throws: MCPClientError.self) { try await pool.text("hang", on: limited) }
            #expect(error?.kind == .timeout)
            #expect(error?.message == "MCP server \"fake\" did not answer tools/call within 1 s")
            #expect(ContinuousClock.now - started < .seconds(TestTiming.seconds(15)), "the 1 s limit, not the server's 20 s")
            let cancelled = try #require(try await server.waitForLine(startingWith: "notifications/cancelled "))
            #expect(cancelled.contains("timed out after 1 s"))
        }
    }

    @Test func aCrashFailsTheCallAndTheServerIsRestartedAfterAPause() async throws {
        let server = FakeServer("modern", name: "crashy")
        defer { server.remove() }
        let log = LogLines()
        try await withPool(log) { pool async throws in
            let crash = await #expect(throws: MCPClientError.self) { try await pool.text("crash", on: server.spec) }
            #expect(crash?.kind == .protocolViolation)
            #expect(crash?.message == "MCP server \"crashy\" exited (exit status 3) before answering", "\(crash?.message ?? "")")
            for _ in 0..<500 where !log.text.contains("in 1 s at the earliest") { try await Task.sleep(for: .milliseconds(20)) }
            #expect(log.text.contains("it is started again at its next use, in 1 s at the earliest"), "\(log.text)")
            // Until the pause is over, calls fail at once, naming the crash. (Under a sanitizer the
            // next call may come after the 1 s pause itself: there the log above is the check.)
            if TestTiming.slack == 1 {
                var during: MCPClientError?
                for _ in 0..<50 {
                    do {
                        _ = try await pool.text("echo", ["text": "x"], on: server.spec)
                    } catch let error as MCPClientError {
                        during = error
                        break
                    }
                    try await Task.sleep(for: .milliseconds(20))  // the exit may not be seen yet
                }
                #expect(during?.kind == .unavailable)
                #expect(during?.message.hasPrefix("MCP server \"crashy\" exited (exit status 3); it is started again in ") == true,
                        "\(during?.message ?? "")")
                guard case .failed(let reason) = pool.status(of: server.spec) else { Issue.record("not failed"); return }
                #expect(reason.contains("exit status 3"))
            }
            try await Task.sleep(for: .milliseconds(1100))
            #expect(try await pool.text("echo", ["text": "back"], on: server.spec) == "back")
            #expect(pool.status(of: server.spec) == .ready)
            // A second crash in a row doubles the pause (read in the log: a clock would be at the
            // mercy of a busy machine).
            _ = try? await pool.text("crash", on: server.spec)
            for _ in 0..<500 where !log.text.contains("in 2 s at the earliest") { try await Task.sleep(for: .milliseconds(20)) }
            #expect(log.text.contains("it is started again at its next use, in 2 s at the earliest"), "\(log.text)")
        }
        #expect(log.all.contains("mcp crashy: crashing now"), "\(log.text)")
        #expect(server.methods.filter { $0 == "server/discover" }.count == 2)
    }

    @Test func stopAllEndsTheServersProcessGroups() async throws {
        let server = FakeServer("modern")
        defer { server.remove() }
        let pool = MCPServerPool(log: LogLines().sink)
        let child = try #require(pid_t(try await pool.text("group", on: server.spec)))
        #expect(kill(child, 0) == 0)
        let started = ContinuousClock.now
        pool.stopAll()
        #expect(ContinuousClock.now - started < .seconds(10), "stopAll waits 0.2 s at most before SIGKILL")
        var gone = false
        for _ in 0..<1000 {
            let stat = (try? String(contentsOfFile: "/proc/\(child)/stat", encoding: .utf8)) ?? ""
            // Gone, or a zombie waiting for a parent that does not reap (a container's init).
            if stat.isEmpty || stat.contains(") Z ") { gone = true; break }
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(gone, "the server's child \(child) is still running")
        #expect(pool.status(of: server.spec) == .idle)
    }

    @Test func aChangedSpecReplacesTheRunningServer() async throws {
        let first = FakeServer("modern", env: ["WHICH": "first"])
        var second = first.spec
        second.transport = .stdio(command: "python3", args: first.spec.stdioArgs, env: ["WHICH": "second", "FAKE_MCP_RECORD": first.record], cwd: nil)
        defer { first.remove() }
        try await withPool { pool async throws in
            #expect(try JSONParser.parse(try await pool.text("env", on: first.spec))["WHICH"] == "first")
            #expect(try JSONParser.parse(try await pool.text("env", on: second))["WHICH"] == "second")
            #expect(pool.status(of: first.spec) == .idle)
            #expect(pool.status(of: second) == .ready)
        }
    }

    @Test func aDisabledServerIsNeverStarted() async throws {
        var spec = FakeServer("modern").spec
        spec.enabled = false
        await withPool { pool in
            #expect(pool.status(of: spec) == .disabled)
            let error = await #expect(throws: MCPClientError.self) { try await pool.tools(of: spec) }
            #expect(error?.kind == .unavailable)
        }
    }

    @Test func aCommandThatCannotStartFailsWithItsReason() async throws {
        let spec = MCPServerSpec(name: "missing", transport: .stdio(command: "no-such-mcp-server", args: [], env: [:], cwd: nil))
        await withPool { pool in
            let error = await #expect(throws: MCPClientError.self) { try await pool.tools(of: spec) }
            #expect(error?.message == "MCP server \"missing\" could not be started (no-such-mcp-server): No such file or directory")
            #expect(pool.status(of: spec) == .failed(error?.message ?? ""))
        }
    }
}

extension MCPServerSpec {
    /// The arguments of a stdio spec.
    var stdioArgs: [String] {
        if case .stdio(_, let args, _, _) = transport { args } else { [] }
    }
}
