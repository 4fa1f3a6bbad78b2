import Foundation

/// A server script of Tests/Fixtures/mcp-servers that prints its URL on its first line.
public final class HTTPFixture: Sendable {
    /// Where the server listens (`http://127.0.0.1:PORT/...`).
    public let url: String
    private let process: Process

    /// - Parameters:
    ///   - command: the interpreter and its arguments before the script.
    ///   - record: where the script records the messages it receives (FAKE_MCP_RECORD).
    public init(command: [String], script: String, arguments: [String] = [], record: String? = nil) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = command + [PythonVenv.repositoryRoot.appendingPathComponent("Tests/Fixtures/mcp-servers/\(script)").path] + arguments
        if let record { process.environment = ProcessInfo.processInfo.environment.merging(["FAKE_MCP_RECORD": record]) { $1 } }
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        var line: [UInt8] = []
        while true {
            let byte = try output.fileHandleForReading.read(upToCount: 1) ?? Data()
            if byte.isEmpty || byte.first == 0x0A { break }
            line += byte
        }
        url = String(decoding: line, as: UTF8.self)
        self.process = process
        guard url.hasPrefix("http://127.0.0.1:") else {
            stop()
            throw FixtureError(description: "\(script) did not print its URL (got \"\(url)\")")
        }
    }

    /// Kills the server (SIGKILL: a child of the test process may start with SIGTERM blocked).
    /// Ends the server and waits for it.
    public func stop() {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    public struct FixtureError: Error, CustomStringConvertible {
        public let description: String
    }
}
