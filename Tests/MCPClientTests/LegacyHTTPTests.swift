import Foundation
import JSONRPC
import MCPClient
import Testing
import TestSupport

/// A legacy Streamable HTTP server (Tests/Fixtures/mcp-servers/legacy_http_server.py): sessions,
/// event-stream answers, a session the server forgot, cancellation.
@Suite("MCP client: legacy Streamable HTTP")
struct LegacyHTTPTests {
    /// The server, its spec and the file it records messages in.
    private static func start() throws -> (HTTPFixture, MCPServerSpec, FakeServer) {
        let recorder = FakeServer("unused")
        let server = try HTTPFixture(command: ["python3"], script: "legacy_http_server.py", record: recorder.record)
        let spec = MCPServerSpec(name: "legacy", transport: .http(url: server.url, headers: ["Authorization": "Bearer secret-token-value"]),
                                 timeoutSeconds: 600)
        return (server, spec, recorder)
    }

    @Test func aSessionIsOpenedWithInitializeAndItsIdSentWithEveryRequest() async throws {
        let (server, spec, recorder) = try Self.start()
        defer { server.stop(); recorder.remove() }
        let log = LogLines()
        try await withPool(log) { pool async throws in
            let headers = try JSONParser.parse(try await pool.text("headers", on: spec))
            #expect(headers["mcp-session-id"]?.stringValue?.isEmpty == false)
            #expect(headers["mcp-protocol-version"] == "2025-11-25")
            #expect(headers["mcp-method"] == nil)
            #expect(headers["authorization"] == "Bearer secret-token-value")
            #expect(headers["accept"] == "application/json, text/event-stream")
            #expect(try await pool.text("echo", ["text": "over a stream"], on: spec) == "over a stream")
        }
        #expect(Array(recorder.methods.prefix(3)) == ["server/discover", "initialize", "notifications/initialized"])
        #expect(log.all.contains("mcp legacy: info: echoing"), "\(log.text)")
        #expect(!log.text.contains("secret-token-value"))
    }

    @Test func aForgottenSessionIsOpenedAgainOnce() async throws {
        let (server, spec, recorder) = try Self.start()
        defer { server.stop(); recorder.remove() }
        try await withPool { pool async throws in
            #expect(try await pool.text("expire", on: spec) == "expired")
            #expect(try await pool.text("echo", ["text": "again"], on: spec) == "again")
        }
        #expect(recorder.methods.filter { $0 == "initialize" }.count == 2, "\(recorder.methods)")
    }

    @Test func aCancelledCallIsAnnouncedInTheSession() async throws {
        let (server, spec, recorder) = try Self.start()
        defer { server.stop(); recorder.remove() }
        try await withPool { pool async throws in
            _ = try await pool.tools(of: spec)
            let call = Task { try await pool.text("hang", on: spec) }
            _ = try #require(try await recorder.waitForLine(startingWith: "tools/call "))
            let started = ContinuousClock.now
            call.cancel()
            await #expect(throws: CancellationError.self) { try await call.value }
            #expect(ContinuousClock.now - started < .seconds(300), "the call waited for its time limit")
            let cancelled = try #require(try await recorder.waitForLine(startingWith: "notifications/cancelled "))
            #expect(!cancelled.hasPrefix("notifications/cancelled - "), "sent without the session: \(cancelled)")
            #expect(cancelled.contains(#""reason": "cancelled by the client""#))
        }
    }
}
