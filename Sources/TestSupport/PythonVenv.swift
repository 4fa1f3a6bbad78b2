public import Foundation

/// The Python virtual environments the tests use for real peers from PyPI (the MCP SDK, the ACP
/// SDK, the reference MCP servers), made by the repository's scripts (`scripts/mcp-venv.sh`,
/// `scripts/mcp-servers-venv.sh`), which install them on first use and print the venv's python.
public enum PythonVenv {
    /// The repository's root (the scripts and Tests/Fixtures are found from it).
    public static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// What a venv script gave: its python, or nil and what it printed.
    public struct Outcome: Sendable {
        public let python: String?
        public let output: String
    }

    /// Runs `script` (a path under the repository) with `arguments`.
    public static func make(script: String, arguments: [String] = []) throws -> Outcome {
        let process = Process()
        process.executableURL = repositoryRoot.appendingPathComponent(script)
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        let python = text.split(separator: "\n").last.map(String.init) ?? ""
        let usable = process.terminationStatus == 0 && FileManager.default.isExecutableFile(atPath: python)
        return Outcome(python: usable ? python : nil, output: text)
    }

    /// The venv's python from `script`, or nil when it cannot be made: a skip (with a note) on a
    /// developer's machine without network; under CI (.ci/run makes them all) a failure, which
    /// `fail` records (the test's `Issue.record`: this library does not link the test framework,
    /// so that a static release build of the package needs none).
    public static func python(script: String = "scripts/mcp-venv.sh", arguments: [String] = [],
                              fail: (String) -> Void) throws -> String? {
        let outcome = try make(script: script, arguments: arguments)
        if let python = outcome.python { return python }
        let what = ([script] + arguments).joined(separator: " ")
        if underCI {
            fail("\(what) could not install its packages:\n\(outcome.output)")
        } else {
            print("skipping a test of a Python peer: \(what) could not install its packages (no network?):\n\(outcome.output)")
        }
        return nil
    }

    /// Whether this is a CI run (`CI=true`), where a venv that cannot be made is a failure, not a skip.
    public static var underCI: Bool { ProcessInfo.processInfo.environment["CI"] == "true" }
}
