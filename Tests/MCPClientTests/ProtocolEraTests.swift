import Foundation
import JSONRPC
import MCPClient
import Testing

/// Which era the client speaks with each kind of server, through the pool (fake stdio servers of
/// Tests/Fixtures/mcp-servers/fake_server.py).
@Suite("MCP client: protocol eras")
struct ProtocolEraTests {
    @Test func aModernServerIsProbedAndEveryRequestCarriesTheModernMeta() async throws {
        let server = FakeServer("modern")
        defer { server.remove() }
        try await withPool { pool async throws in
            #expect(pool.status(of: server.spec) == .idle)
            let meta = try JSONParser.parse(try await pool.text("meta", on: server.spec))
            #expect(meta["io.modelcontextprotocol/protocolVersion"] == "2026-07-28")
            #expect(meta["io.modelcontextprotocol/clientCapabilities"] == [:])
            #expect(meta["io.modelcontextprotocol/clientInfo"]?["name"] == "switchboard")
            #expect(meta["progressToken"]?.stringValue != nil)
            #expect(pool.status(of: server.spec) == .ready)
        }
        #expect(server.methods.first == "server/discover")
        #expect(!server.methods.contains("initialize"))
        let call = try #require(server.received.first { $0.hasPrefix("tools/call ") })
        #expect(call.contains("io.modelcontextprotocol/protocolVersion"))
    }

    @Test func aLegacyServerGetsInitializeAfterRefusingTheProbe() async throws {
        let server = FakeServer("legacy")
        defer { server.remove() }
        try await withPool { pool async throws in
            let meta = try JSONParser.parse(try await pool.text("meta", on: server.spec))
            #expect(meta["io.modelcontextprotocol/protocolVersion"] == nil)
            #expect(meta["progressToken"]?.stringValue != nil)
        }
        #expect(Array(server.methods.prefix(3)) == ["server/discover", "initialize", "notifications/initialized"])
        let initialize = try #require(server.received.first { $0.hasPrefix("initialize ") })
        #expect(initialize.contains(#""protocolVersion": "2025-11-25""#))
    }

    @Test func aLegacyServerThatIgnoresTheProbeIsReachedAfterTheProbeLimit() async throws {
        // The server's own time limit is far off, so that only the probe's limit can end the wait.
        let server = FakeServer("legacy-silent", timeout: 600)
        defer { server.remove() }
        let started = ContinuousClock.now
        try await withPool { pool async throws in
            let echoed = try await pool.text("echo", ["text": "hi"], on: server.spec)
            #expect(echoed == "hi")
        }
        let elapsed = ContinuousClock.now - started
        #expect(elapsed >= .seconds(3) && elapsed < .seconds(300), "\(elapsed)")  // the probe limit, then a start on a busy machine
        #expect(server.methods.contains("initialize"))
    }

    @Test func anUnknownLegacyVersionIsRefusedClearly() async throws {
        let server = FakeServer("unknown-version")
        defer { server.remove() }
        await withPool { pool in
            let error = await #expect(throws: MCPClientError.self) { try await pool.tools(of: server.spec) }
            #expect(error?.kind == .unavailable)
            #expect(error?.message.contains("2099-01-01") == true, "\(error?.message ?? "")")
            #expect(error?.message.contains("\"fake\"") == true)
            guard case .failed(let reason) = pool.status(of: server.spec) else { Issue.record("not failed"); return }
            #expect(reason.contains("2099-01-01"))
        }
    }

    @Test func aServerSpeakingOnlyAFutureRevisionIsRefused() async throws {
        let server = FakeServer("future-only")
        defer { server.remove() }
        await withPool { pool in
            let error = await #expect(throws: MCPClientError.self) { try await pool.tools(of: server.spec) }
            #expect(error?.kind == .unavailable)
            #expect(error?.message.contains("speaks only protocol 2099-01-01") == true, "\(error?.message ?? "")")
        }
        #expect(!server.methods.contains("initialize"))
    }

    @Test func ourOwnMCPServerModeIsSpokenToInTheModernEra() async throws {
        // The daemon built beside the tests: `switchboard --mcp` serves both eras.
        let binary = repositoryRoot.appendingPathComponent(".build/debug/switchboard").path
        guard FileManager.default.isExecutableFile(atPath: binary) else { return }
        let spec = MCPServerSpec(name: "self", transport: .stdio(command: binary, args: ["--mcp"],
                                                                 env: ["OPENAI_API_KEY": "sk-unused", "OPENAI_BASE_URL": "http://127.0.0.1:9"], cwd: nil))
        try await withPool { pool async throws in
            let tools = try await pool.tools(of: spec)
            #expect(tools.contains { $0.name == "list_models" }, "\(tools.map(\.name))")
            #expect(pool.status(of: spec) == .ready)
        }
    }
}
