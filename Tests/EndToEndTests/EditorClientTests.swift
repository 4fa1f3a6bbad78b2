import Foundation
import JSONRPC
import Testing
import TestSupport

/// One client under `editors/`: its test script and the host program it needs.
struct EditorClient: CustomTestStringConvertible, Sendable {
    let name: String
    /// The program the client runs in (skipped, with a note, when it is not installed).
    let host: String

    var testDescription: String { name }
    var script: URL { repositoryRoot.appendingPathComponent("editors/\(name)/tests/run") }

    static let all = [
        EditorClient(name: "python", host: "python3"),
        EditorClient(name: "node", host: "node"),
        EditorClient(name: "vscode", host: "node"),
        EditorClient(name: "neovim", host: "nvim"),
        EditorClient(name: "vim", host: "vim"),
        EditorClient(name: "emacs", host: "emacs"),
    ]
}

let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// Finds `program` on PATH.
func which(_ program: String) -> String? {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
    return path.split(separator: ":").map { "\($0)/\(program)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
}

/// Each client's own test script (`editors/<client>/tests/run`) runs against the real built
/// daemon and the echo upstream (see `FakeUpstream.echo()`), with these variables set:
/// `SWITCHBOARD_BIN` (the daemon), `OPENAI_BASE_URL`, `OPENAI_API_KEY`, `SWITCHBOARD_TEST_PNG`
/// (a small PNG file). The script exits 0 when all its tests pass.
extension EndToEnd {
@Suite("editor and script clients")
struct EditorClientTests {
    @Test(arguments: EditorClient.all)
    func clientTestsPass(_ client: EditorClient) throws {
        guard FileManager.default.fileExists(atPath: client.script.path) else {
            Issue.record("editors/\(client.name)/tests/run is missing")
            return
        }
        guard which(client.host) != nil else {
            // .ci/run installs every host program; a developer machine may lack one.
            print("skipping \(client.name): \(client.host) is not installed")
            return
        }
        let upstream = try FakeUpstream.echo()
        defer { upstream.stop() }
        let png = FileManager.default.temporaryDirectory.appendingPathComponent("switchboard-client-\(UUID().uuidString).png")
        try Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + Array(repeating: 0, count: 32)).write(to: png)
        defer { try? FileManager.default.removeItem(at: png) }

        var environment = ProcessInfo.processInfo.environment
        environment["SWITCHBOARD_BIN"] = DaemonProcess.binaryPath
        environment["OPENAI_BASE_URL"] = upstream.baseURL
        environment["OPENAI_API_KEY"] = "sk-client-test-key-0123"
        environment["SWITCHBOARD_TEST_PNG"] = png.path
        let outcome = try ChildProcess.run(client.script, environment: environment)
        let log = outcome.output
        #expect(outcome.succeeded, "editors/\(client.name)/tests/run failed:\n\(log)")
        #expect(!log.contains("sk-client-test-key-0123"), "the API key appeared in the client's output")
    }
}
}
