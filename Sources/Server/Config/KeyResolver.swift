import Foundation
import JSONRPC
import Transport

/// Obtains API keys, running `api_key_command` at most once per distinct command.
final class KeyResolver: Sendable {
    /// Held while a command runs, so concurrent first requests run it once, not once each.
    private let cache = Locked<[[String]: String]>([:])
    private let secrets: Secrets

    init(secrets: Secrets) { self.secrets = secrets }

    /// The key for `settings`, or a configuration error saying how to provide one.
    func key(for settings: Settings) throws(ResponseError) -> String {
        if let key = settings.apiKey { return key }
        if let command = settings.apiKeyCommand { return try run(command) }
        let scope = settings.profile.map { " (profile \"\($0)\": set profiles.\($0).api_key)" } ?? ""
        throw ResponseError(.configError,
                            "no API key: set OPENAI_API_KEY or config.api_key\(scope), or api_key_command; use \"\" for servers that need none",
                            data: ["field": "api_key"])
    }

    private func run(_ command: [String]) throws(ResponseError) -> String {
        do {
            return try cache.withLock { cache throws(ResponseError) in
                if let cached = cache[command] { return cached }
                let key = try execute(command)
                cache[command] = key
                return key
            }
        } catch let error as ResponseError {
            throw error
        } catch {
            throw ResponseError.internalError(String(describing: error))
        }
    }

    private func execute(_ command: [String]) throws(ResponseError) -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = command
        let output = Pipe()
        process.standardOutput = output
        process.standardInput = FileHandle.nullDevice
        let failure = { (reason: String) in
            ResponseError(.configError, "api_key_command failed: \(reason)", data: ["field": "api_key_command"])
        }
        do { try process.run() } catch { throw failure("cannot start \(command[0]): \(error)") }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw failure("\(command[0]) exited with status \(process.terminationStatus)") }
        let key = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard !key.isEmpty else { throw failure("\(command[0]) printed nothing") }
        secrets.register(key)
        return key
    }
}
