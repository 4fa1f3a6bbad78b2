import Foundation
import JSONRPC
import Testing
import TestSupport

/// One client under `editors/`: its test script and the host program it needs.
struct EditorClient: CustomTestStringConvertible, Sendable {
    let name: String
    /// The program the client runs in (skipped, with a note, when it is not installed): a name
    /// looked up on PATH, or a path.
    let host: String
    /// Names the run when a client runs on more than one host.
    var label: String? = nil
    /// Variables the client's script reads to find its host.
    var environment: [String: String] = [:]

    var testDescription: String { label ?? name }
    var script: URL { repositoryRoot.appendingPathComponent("editors/\(name)/tests/run") }

    /// The newest Neovim, from PyPI (`scripts/nvim-venv.sh`, which `.ci/run` runs).
    static let newestNeovim = repositoryRoot.appendingPathComponent(".build/nvim-venv/bin/nvim").path

    static let all = [
        EditorClient(name: "python", host: "python3"),
        EditorClient(name: "node", host: "node"),
        EditorClient(name: "vscode", host: "node"),
        EditorClient(name: "neovim", host: "nvim"),
        EditorClient(name: "neovim", host: newestNeovim, label: "neovim (newest, scripts/nvim-venv.sh)",
                     environment: ["SWITCHBOARD_NVIM": newestNeovim]),
        EditorClient(name: "vim", host: "vim"),
        EditorClient(name: "emacs", host: "emacs"),
    ]
}

let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// Finds `program` on PATH (a path is taken as it is, when executable).
func which(_ program: String) -> String? {
    if program.contains("/") { return FileManager.default.isExecutableFile(atPath: program) ? program : nil }
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
            print("skipping \(client.testDescription): \(client.host) is not installed")
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
        environment.merge(client.environment) { _, client in client }
        let outcome = try ChildProcess.run(client.script, environment: environment)
        let log = outcome.output
        #expect(outcome.succeeded, "editors/\(client.name)/tests/run (\(client.testDescription)) failed:\n\(log)")
        #expect(!log.contains("sk-client-test-key-0123"), "the API key appeared in the client's output")
    }
}
}
