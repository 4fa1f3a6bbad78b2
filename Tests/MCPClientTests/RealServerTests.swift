import Foundation
import JSONRPC
import MCPClient
import Synchronization
import Testing
import TestSupport

/// The official reference servers from PyPI (mcp-server-time, mcp-server-git) over stdio and a
/// fastmcp Streamable HTTP server, all from .build/mcp-servers-venv (scripts/mcp-servers-venv.sh).
/// All three speak the modern revision: the client reaches them without `initialize`.
@Suite("MCP client: real servers")
struct RealServerTests {
    @Test func theReferenceTimeServer() async throws {
        guard let python = try serversPython() else { return }
        let spec = MCPServerSpec(name: "time", transport: .stdio(command: python, args: ["-m", "mcp_server_time", "--local-timezone", "Etc/UTC"],
                                                                 env: [:], cwd: nil))
        try await withPool { pool async throws in
            let tools = try await pool.tools(of: spec)
            #expect(tools.map(\.name).sorted() == ["convert_time", "get_current_time"])
            let now = try await pool.call("get_current_time", arguments: ["timezone": "Etc/UTC"], on: spec) { _ in }
            #expect(!now.isError)
            #expect(try JSONParser.parse(now.text)["timezone"] == "Etc/UTC", "\(now.text)")
            let wrong = try await pool.call("get_current_time", arguments: ["timezone": "Nowhere/Else"], on: spec) { _ in }
            #expect(wrong.isError)
            #expect(wrong.text.contains("Invalid timezone"), "\(wrong.text)")
        }
    }

    @Test func theReferenceGitServer() async throws {
        guard let python = try serversPython() else { return }
        let repository = repositoryRoot.path
        let spec = MCPServerSpec(name: "git", transport: .stdio(command: python, args: ["-m", "mcp_server_git", "--repository", repository],
                                                                env: [:], cwd: repository))
        try await withPool { pool async throws in
            let tools = try await pool.tools(of: spec).map(\.name)
            #expect(tools.contains("git_status") && tools.contains("git_log"), "\(tools)")
            let log = try await pool.call("git_log", arguments: ["repo_path": .string(repository), "max_count": 1], on: spec) { _ in }
            #expect(!log.isError, "\(log.text)")
            #expect(log.text.contains("Commit"), "\(log.text)")
        }
    }

    @Test(arguments: ["sse", "json"])
    func aFastMCPServerOverStreamableHTTP(format: String) async throws {
        guard let python = try serversPython() else { return }
        let server = try HTTPFixture(command: [python], script: "fastmcp_http.py", arguments: [format])
        defer { server.stop() }
        let spec = MCPServerSpec(name: "web", transport: .http(url: server.url, headers: ["X-Fixture": "given-header-value"]))
        let log = LogLines()
        let reports = Mutex<[MCPProgress]>([])
        try await withPool(log) { pool async throws in
            #expect(try await pool.tools(of: spec).map(\.name).sorted() == ["add", "echo_header"])
            let sum = try await pool.call("add", arguments: ["a": 1, "b": 2], on: spec) { report in reports.withLock { $0.append(report) } }
            #expect(sum == MCPToolResult(text: "3"))
            let expected = ["mcp-method": "tools/call", "mcp-name": "echo_header", "mcp-protocol-version": "2026-07-28",
                            "x-fixture": "given-header-value"]
            for (header, value) in expected.sorted(by: { $0.key < $1.key }) {
                let got = try await pool.call("echo_header", arguments: ["name": .string(header)], on: spec) { _ in }
                #expect(got == MCPToolResult(text: value), "\(header): \(got)")
            }
            #expect(pool.status(of: spec) == .ready)
        }
        if format == "sse" {
            #expect(reports.withLock { $0 } == [MCPProgress(progress: 1, total: 2, message: "halfway")])
        }
        #expect(!log.text.contains("given-header-value"))
    }

    @Test func aModernHTTPServerSlowToAnswerIsNotTakenForALegacyOne() async throws {
        guard let python = try serversPython() else { return }
        // The first answer comes after 5 s, later than a stdio server's 3 s probe limit: over HTTP,
        // silence is slowness, and the client waits for the modern answer.
        let server = try HTTPFixture(command: [python], script: "fastmcp_http.py", arguments: ["sse", "5"])
        defer { server.stop() }
        let spec = MCPServerSpec(name: "slow", transport: .http(url: server.url, headers: [:]))
        try await withPool { pool async throws in
            #expect(try await pool.text("echo_header", ["name": "mcp-protocol-version"], on: spec) == "2026-07-28")
        }
    }
}
