import Foundation
import JSONRPC
import MCPClient
import Synchronization
import Testing

/// Listing and calling tools through the pool, on fake stdio servers.
@Suite("MCP client: tools")
struct ToolCallTests {
    @Test func everyPageOfTheToolListIsReadAndTheAllowListApplied() async throws {
        let server = FakeServer("modern")
        defer { server.remove() }
        try await withPool { pool async throws in
            let tools = try await pool.tools(of: server.spec)
            #expect(tools.count == 15)
            #expect(tools.first == MCPTool(name: "echo", description: "the echo tool",
                                           inputSchema: ["type": "object", "properties": ["text": ["type": "string"]]]))
            var limited = server.spec
            limited.allowedTools = ["echo", "env"]
            #expect(try await pool.tools(of: limited).map(\.name) == ["echo", "env"])
            await #expect(throws: MCPClientError.self) { try await pool.text("fail", on: limited) }
        }
        #expect(server.methods.filter { $0 == "tools/list" }.count == 5, "\(server.methods)")
    }

    @Test func aListChangedNotificationDropsTheCachedList() async throws {
        let server = FakeServer("legacy")
        defer { server.remove() }
        try await withPool { pool async throws in
            #expect(try await pool.tools(of: server.spec).count == 15)
            #expect(try await pool.tools(of: server.spec).count == 15)
            #expect(try await pool.text("change", on: server.spec) == "changed")
            #expect(try await pool.tools(of: server.spec).last?.name == "added")
        }
    }

    @Test func progressReportsReachTheCaller() async throws {
        let server = FakeServer("modern")
        defer { server.remove() }
        let reports = Mutex<[MCPProgress]>([])
        try await withPool { pool async throws in
            let result = try await pool.call("progress", arguments: [:], on: server.spec) { report in reports.withLock { $0.append(report) } }
            #expect(result.text == "done")
        }
        #expect(reports.withLock { $0 } == [MCPProgress(progress: 1, total: 2, message: "step 1"), MCPProgress(progress: 2, total: 2, message: "step 2")])
    }

    @Test func anErrorResultIsReturnedNotThrown() async throws {
        let server = FakeServer("modern")
        defer { server.remove() }
        try await withPool { pool async throws in
            let result = try await pool.call("fail", arguments: [:], on: server.spec) { _ in }
            #expect(result == MCPToolResult(text: "it went wrong", isError: true))
            let error = await #expect(throws: MCPClientError.self) { try await pool.text("nonexistent", on: server.spec) }
            #expect(error?.kind == .server(code: -32602))
            #expect(error?.message.contains("Unknown tool: nonexistent") == true)
        }
    }

    @Test func aFloodOfOutputIsCutAt256KiB() async throws {
        let server = FakeServer("modern")
        defer { server.remove() }
        try await withPool { pool async throws in
            let text = try await pool.text("flood", ["bytes": 1_000_000], on: server.spec)
            let note = "\n\n[output cut at 256 KiB: \(1_000_000 - 256 * 1024) more bytes were left out]"
            #expect(text.hasSuffix(note), "\(text.suffix(80))")
            #expect(text.utf8.count == 256 * 1024 + note.utf8.count)
            #expect(text.dropLast(note.count).allSatisfy { $0 == "é" })
        }
    }

    @Test func everyKindOfContentBecomesTextOrAnImage() async throws {
        let server = FakeServer("modern")
        defer { server.remove() }
        try await withPool { pool async throws in
            let mixed = try await pool.call("mixed", arguments: [:], on: server.spec) { _ in }
            #expect(mixed.text == """
                first

                [audio: audio/wav, 4 bytes]

                [resource: file:///notes.txt]
                note text

                [resource link: file:///big.bin (big.bin)]

                last
                """)
            #expect(mixed.images == [MCPToolResult.Image(mimeType: "image/png", base64: "iVBORw0KGgo=")])
            #expect(try await pool.text("structured", on: server.spec) == #"{"answer":42}"#)
        }
    }

    @Test func requestsFromTheServerAreRefusedButPingIsAnswered() async throws {
        let server = FakeServer("modern")
        defer { server.remove() }
        try await withPool { pool async throws in
            let answers = try JSONParser.parse(try await pool.text("ask", on: server.spec))
            #expect(answers["sampling"]?["code"] == -32601)
            #expect(answers["ping"] == [:])
        }
    }

    @Test func theServersStderrGoesToTheLogLineByLine() async throws {
        let server = FakeServer("modern", name: "talker")
        defer { server.remove() }
        let log = LogLines()
        try await withPool(log) { pool async throws in
            #expect(try await pool.text("stderr", on: server.spec) == "written")
            for _ in 0..<1000 where !log.all.contains("mcp talker: second line") { try await Task.sleep(for: .milliseconds(20)) }
        }
        #expect(log.all.contains("mcp talker: fake server starting (modern)"), "\(log.text)")
        #expect(log.all.contains("mcp talker: first line"))
        #expect(log.all.contains("mcp talker: second line"))
    }

    @Test func theServerGetsAMinimalEnvironmentPlusItsOwn() async throws {
        setenv("OPENAI_API_KEY", "sk-must-not-leak", 1)
        setenv("SWITCHBOARD_API_KEY", "sb-must-not-leak", 1)
        setenv("AWS_SECRET_ACCESS_KEY", "aws-must-not-leak", 1)
        let server = FakeServer("modern", env: ["GIVEN_TOKEN": "given-secret-value"])
        defer { server.remove() }
        let log = LogLines()
        try await withPool(log) { pool async throws in
            let environment = try JSONParser.parse(try await pool.text("env", on: server.spec))
            #expect(environment["OPENAI_API_KEY"] == nil)
            #expect(environment["SWITCHBOARD_API_KEY"] == nil)
            #expect(environment["AWS_SECRET_ACCESS_KEY"] == nil)
            #expect(environment["GIVEN_TOKEN"] == "given-secret-value")
            // (pyenv's python3 puts its own folders in front)
            #expect(environment["PATH"]?.stringValue?.hasSuffix(ProcessInfo.processInfo.environment["PATH"] ?? "-") == true)
            #expect(environment["HOME"] != nil)
        }
        #expect(!log.text.contains("given-secret-value"))
    }

    @Test func aServerStartsInItsWorkingDirectory() async throws {
        let directory = FileManager.default.temporaryDirectory.path
        let script = repositoryRoot.appendingPathComponent("Tests/Fixtures/mcp-servers/fake_server.py").path
        let spec = MCPServerSpec(name: "placed", transport: .stdio(command: "python3", args: [script, "modern"], env: [:], cwd: directory))
        try await withPool { pool async throws in
            let cwd = try await pool.text("cwd", on: spec)
            #expect(URL(fileURLWithPath: cwd).resolvingSymlinksInPath() == URL(fileURLWithPath: directory).resolvingSymlinksInPath())
        }
        let missing = MCPServerSpec(name: "nowhere", transport: .stdio(command: "python3", args: [script], env: [:], cwd: "/no/such/dir"))
        await withPool { pool in
            let error = await #expect(throws: MCPClientError.self) { try await pool.tools(of: missing) }
            #expect(error?.message.contains("/no/such/dir") == true, "\(error?.message ?? "")")
        }
    }
}
