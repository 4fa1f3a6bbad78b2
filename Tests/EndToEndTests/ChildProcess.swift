import Foundation
import TestSupport

/// A test program (a client's test script, the MCP SDK client) run to its end with its stdout and
/// stderr collected together.
enum ChildProcess {
    struct Outcome {
        let succeeded: Bool
        let output: String
    }

    /// Runs `executable` in the repository root; stopped after `timeout` seconds.
    static func run(_ executable: URL, arguments: [String] = [], environment: [String: String], timeout: Double = 180) throws -> Outcome {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.currentDirectoryURL = repositoryRoot
        process.environment = environment
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let collected = Mailbox<UInt8>()
        let reader = Thread {
            while case let data = output.fileHandleForReading.availableData, !data.isEmpty { collected.post(contentsOf: data) }
        }
        reader.start()
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        Thread.sleep(forTimeInterval: 0.1)
        return Outcome(succeeded: process.terminationReason == .exit && process.terminationStatus == 0,
                       output: String(decoding: collected.snapshot(), as: UTF8.self))
    }
}
