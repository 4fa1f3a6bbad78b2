import Primitives
import FoundationEssentials
import JSONRPC
import Transport

/// Obtains API keys: `api_key` as it is, else the output of `api_key_command`, run once per
/// distinct command and then remembered (see `KeyCommand`: off the cooperative pool, with a time
/// limit, cancellable). Requests that need a command's key while it runs wait for that one run;
/// a failed run is forgotten, so the next request tries again.
final class KeyResolver: Sendable {
    private enum Entry {
        case running(KeyCommand)
        case resolved(String)
    }

    private let entries = Locked<[[String]: Entry]>([:])
    private let secrets: Secrets

    init(secrets: Secrets) { self.secrets = secrets }

    /// The key for `settings`, or a configuration error saying how to provide one.
    func key(for settings: Settings) async throws -> String {
        if let key = settings.apiKey { return key }
        guard let command = settings.apiKeyCommand else {
            let scope = settings.profile.map { " (profile \"\($0)\": set profiles.\($0).api_key)" } ?? ""
            throw ResponseError(.configError,
                                "no API key: set OPENAI_API_KEY or config.api_key\(scope), or api_key_command; "
                                    + "for a server that needs none, set it to \"\" (OPENAI_API_KEY= or \"api_key\": \"\")",
                                data: ["field": "api_key"])
        }
        let (entry, started) = entries.withLock { entries -> (Entry, Bool) in
            if let entry = entries[command] { return (entry, false) }
            let run = KeyCommand(command, timeout: settings.apiKeyCommandTimeoutSeconds) { [self] outcome in
                remember(outcome, of: command)
            }
            entries[command] = .running(run)
            return (.running(run), true)
        }
        switch entry {
        case .resolved(let key):
            return key
        case .running(let run):
            if started { run.start() }
            return try await run.key()
        }
    }

    private func remember(_ outcome: Result<String, ResponseError>, of command: [String]) {
        if case .success(let key) = outcome { secrets.register(key) }
        entries.withLock { entries in
            guard case .running = entries[command] else { return }
            switch outcome {
            case .success(let key): entries[command] = .resolved(key)
            case .failure: entries[command] = nil
            }
        }
    }
}
