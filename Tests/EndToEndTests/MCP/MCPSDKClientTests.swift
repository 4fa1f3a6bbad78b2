import Foundation
import JSONRPC
import Testing
import TestSupport

/// The official MCP Python SDK (`mcp` on PyPI, installed by scripts/mcp-venv.sh into
/// .build/mcp-venv) drives `switchboard --mcp` against the fake upstream, in both eras: see
/// Tests/Fixtures/mcp/sdk_client_test.py. Skipped, with a note, when the SDK cannot be installed
/// on a developer machine (no network); under CI (.ci/run installs it) that is a failure.
extension EndToEnd {
@Suite("MCP: the official Python SDK client")
struct MCPSDKClientTests {
    @Test func theSDKClientPassesItsTestsInBothEras() throws {
        guard let python = try Self.sdkPython() else { return }
        let upstream = try MCPUpstream.start()
        defer { upstream.stop() }
        let folder = try MediaFixtures.directory()
        let output = folder + "/output"
        let log = folder + "/daemon.log"
        var environment = DaemonProcess.cleanEnvironment()
        environment["SWITCHBOARD_BIN"] = DaemonProcess.binaryPath
        environment["OPENAI_BASE_URL"] = upstream.baseURL
        environment["OPENAI_API_KEY"] = testKey
        environment["SWITCHBOARD_OUTPUT_DIR"] = output
        environment["SWITCHBOARD_TEST_PNG"] = try MediaFixtures.file("photo.png", MediaFixtures.png, in: folder)
        environment["SWITCHBOARD_TEST_MP3"] = try MediaFixtures.file("memo.mp3", MediaFixtures.mp3, in: folder)
        environment["SWITCHBOARD_TEST_LOG"] = log
        // The tools read only under the working directory, the output folder and read_roots.
        let config = folder + "/config.json"
        try Data(#"{"read_roots": ["\#(folder)"]}"#.utf8).write(to: URL(fileURLWithPath: config))
        environment["SWITCHBOARD_CONFIG"] = config
        let script = repositoryRoot.appendingPathComponent("Tests/Fixtures/mcp/sdk_client_test.py").path
        let outcome = try ChildProcess.run(URL(fileURLWithPath: python), arguments: [script], environment: environment, timeout: 300)
        #expect(outcome.succeeded, "the MCP SDK client's tests failed:\n\(outcome.output)")
        #expect(outcome.output.contains("Ran "), "\(outcome.output)")
        #expect(!outcome.output.contains(testKey), "the API key appeared in the client's output")
        let daemonLog = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        #expect(daemonLog.contains("calling chat.complete"), "the daemons logged at debug level")
        #expect(!daemonLog.contains(testKey), "the API key appeared in the daemon's log")
        #expect(upstream.requests.contains { $0.path == "/v1/chat/completions" && $0.header("authorization") == "Bearer \(testKey)" })
        for name in MediaFixtures.names(in: output) {
            #expect(name.range(of: #"^\d{8}-\d{6}-[a-z_]+-[0-9a-f]{8}$"#, options: .regularExpression) != nil, "one folder per call: \(name)")
        }
        try? FileManager.default.removeItem(atPath: folder)
    }

    /// The venv's python with the SDK, or nil (skip) where it cannot be had outside CI.
    /// - Parameter venv: `scripts/mcp-venv.sh`'s arguments for another venv (name, package, module).
    static func sdkPython(_ venv: [String] = []) throws -> String? {
        try PythonVenv.python(arguments: venv, fail: { Issue.record(Comment(rawValue: $0)) })
    }

    /// openai-agents converts every tool's input schema to an OpenAI strict function schema (as
    /// its MCP support does when `convert_schemas_to_strict` is set) instead of falling back.
    @Test func openAIAgentsConvertsEveryToolSchemaToStrict() throws {
        guard let python = try Self.sdkPython(["agents-venv", "openai-agents==0.24.0", "agents.strict_schema"]) else { return }
        let script = repositoryRoot.appendingPathComponent("Tests/Fixtures/mcp/strict_schemas.py").path
        let outcome = try ChildProcess.run(URL(fileURLWithPath: python), arguments: [script, DaemonProcess.binaryPath],
                                           environment: DaemonProcess.cleanEnvironment(), timeout: 120)
        #expect(outcome.succeeded, "\(outcome.output)")
        #expect(outcome.output.components(separatedBy: ": strict\n").count - 1 == 9, "\(outcome.output)")
    }
}
}
