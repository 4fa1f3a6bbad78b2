import Primitives
import Transport

/// The state an `initialize` handshake sets up for the process (revisions before 2026-07-28):
/// the negotiated version and the level `logging/setLevel` asked for. Modern requests use none
/// of it: they carry their own version and level.
final class LegacySession: Sendable {
    private struct State {
        var version: ProtocolVersion?
        var logLevel: LogLevel?
    }

    private let state = Locked(State())

    /// The negotiated version, once `initialize` was answered.
    var version: ProtocolVersion? { state.withLock { $0.version } }
    var logLevel: LogLevel? { state.withLock { $0.logLevel } }

    /// Records the negotiated version; false when a session was already initialized.
    func begin(_ version: ProtocolVersion) -> Bool {
        state.withLock { state in
            guard state.version == nil else { return false }
            state.version = version
            return true
        }
    }

    func setLogLevel(_ level: LogLevel) {
        state.withLock { $0.logLevel = level }
    }
}
