import Foundation
import Testing
import TestSupport

/// The official ACP Python SDK (`agent-client-protocol` on PyPI, installed by scripts/mcp-venv.sh
/// into .build/acp-venv) is the editor driving `switchboard --acp` against the fake upstream: see
/// Tests/Fixtures/acp/sdk_client_test.py. Skipped, with a note, when the SDK cannot be installed
/// on a developer machine (no network); under CI (.ci/run installs it) that is a failure.
extension EndToEnd {
@Suite("ACP: the official Python SDK as the editor")
struct ACPSDKClientTests {
    static let venv = ["acp-venv", "agent-client-protocol==0.12.1", "acp"]

    @Test func theSDKEditorPassesItsTests() throws {
        guard let python = try MCPSDKClientTests.sdkPython(Self.venv),
              let servers = try AgentMCPTests.serversPython() else { return }
        let upstream = try ACPUpstream.start()
        defer { upstream.stop() }
        let folder = try MediaFixtures.directory()
        var environment = DaemonProcess.cleanEnvironment()
        environment["SWITCHBOARD_BIN"] = DaemonProcess.binaryPath
        environment["OPENAI_BASE_URL"] = upstream.baseURL
        environment["OPENAI_API_KEY"] = testKey
        environment["SWITCHBOARD_TEST_DIR"] = folder
        environment["SWITCHBOARD_TEST_MCP_PYTHON"] = servers
        environment["SWITCHBOARD_TEST_TRANSCRIPT"] = folder + "/transcript.txt"
        let script = repositoryRoot.appendingPathComponent("Tests/Fixtures/acp/sdk_client_test.py").path
        let outcome = try ChildProcess.run(URL(fileURLWithPath: python), arguments: [script], environment: environment, timeout: 300)
        #expect(outcome.succeeded, "the ACP SDK editor's tests failed:\n\(outcome.output)")
        #expect(outcome.output.contains("Ran 25 tests"), "\(outcome.output)")
        #expect(!outcome.output.contains(testKey), "the API key appeared in the editor's output")
        let transcript = (try? String(contentsOfFile: folder + "/transcript.txt", encoding: .utf8)) ?? ""
        #expect(transcript.contains("session/request_permission") && transcript.contains("\"diff\""), "\(transcript)")
        #expect(!transcript.contains(testKey))
        if ProcessInfo.processInfo.environment["SWITCHBOARD_ACP_SHOW"] != nil { print(outcome.output, transcript) }
        try? FileManager.default.removeItem(atPath: folder)
        try? FileManager.default.removeItem(atPath: folder + "-other")
    }
}
}
