import Foundation
import JSONRPC
import MCPClient
import Synchronization
import Testing
import TestSupport

/// The repository's root (for the fixtures under Tests/Fixtures).
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// The log lines a pool wrote.
final class LogLines: Sendable {
    private let lines = Mutex<[String]>([])

    var all: [String] { lines.withLock { $0 } }
    var text: String { all.joined(separator: "\n") }

    var sink: @Sendable (String) -> Void {
        { line in
            if ProcessInfo.processInfo.environment["MCP_TEST_LOG"] != nil { FileHandle.standardError.write(Data((line + "\n").utf8)) }
            self.lines.withLock { $0.append(line) }
        }
    }
}

/// A fake server of Tests/Fixtures/mcp-servers/fake_server.py and the file it records messages in.
struct FakeServer {
    let spec: MCPServerSpec
    let record: String

    /// - Parameter mode: how it speaks (see the script).
    init(_ mode: String, name: String = "fake", env: [String: String] = [:], timeout: Double = 20) {
        record = FileManager.default.temporaryDirectory.appendingPathComponent("mcp-record-\(UUID().uuidString)").path
        let script = repositoryRoot.appendingPathComponent("Tests/Fixtures/mcp-servers/fake_server.py").path
        var env = env
        env["FAKE_MCP_RECORD"] = record
        spec = MCPServerSpec(name: name, transport: .stdio(command: "python3", args: ["-u", script, mode], env: env, cwd: nil),
                             timeoutSeconds: timeout)
    }

    /// The messages the server received, one line each ("method params").
    var received: [String] {
        ((try? String(contentsOfFile: record, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    /// The methods received, in order.
    var methods: [String] { received.map { String($0.prefix { $0 != " " }) } }

    /// Waits (up to 30 s) until a received line starts with `prefix`; returns it.
    func waitForLine(startingWith prefix: String) async throws -> String? {
        for _ in 0..<600 {
            if let line = received.first(where: { $0.hasPrefix(prefix) }) { return line }
            try await Task.sleep(for: .milliseconds(50))
        }
        return nil
    }

    func remove() { try? FileManager.default.removeItem(atPath: record) }
}

/// Runs `body` with a pool whose servers are all stopped afterwards.
@discardableResult
func withPool<T>(_ log: LogLines = LogLines(), _ body: (MCPServerPool) async throws -> T) async rethrows -> T {
    let pool = MCPServerPool(log: log.sink)
    defer { pool.stopAll() }
    return try await body(pool)
}

extension MCPToolSource {
    /// Calls `tool` and returns the result's text.
    func text(_ tool: String, _ arguments: JSONObject = [:], on server: MCPServerSpec) async throws -> String {
        try await call(tool, arguments: arguments, on: server, progress: { _ in }).text
    }
}

/// The python of the venv with the real MCP servers (scripts/mcp-servers-venv.sh); nil: skip.
func serversPython() throws -> String? {
    try PythonVenv.python(script: "scripts/mcp-servers-venv.sh", fail: { Issue.record(Comment(rawValue: $0)) })
}
