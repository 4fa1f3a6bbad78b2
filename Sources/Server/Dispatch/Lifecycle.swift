import Primitives
import Dispatch
import Transport

/// The daemon's life: shutdown requested, input ended, requests outstanding, and the exit code
/// once the end is decided.
final class Lifecycle: Sendable {
    private struct State {
        var shutdownRequested = false
        var inputEnded = false
        var outstanding = 0
        var exitCode: Int32?
        /// Set by SIGINT/SIGTERM: the exit code, whatever then ends the daemon.
        var signalCode: Int32?
    }

    private let state = Locked(State())
    private let decided = DispatchSemaphore(value: 0)

    var isShuttingDown: Bool { state.withLock { $0.shutdownRequested } }
    var outstanding: Int { state.withLock { $0.outstanding } }

    func requestShutdown() { state.withLock { $0.shutdownRequested = true } }

    /// A concurrent request started.
    func begin() { state.withLock { $0.outstanding += 1 } }

    /// A concurrent request's response has been queued for writing.
    func end() {
        let done = state.withLock { state -> Bool in
            state.outstanding -= 1
            return state.inputEnded && state.outstanding == 0
        }
        if done { finish(0) }
    }

    /// stdin reached its end: exit 0 once every outstanding request has been answered.
    func inputEnded() {
        let done = state.withLock { state -> Bool in
            state.inputEnded = true
            return state.outstanding == 0
        }
        if done { finish(0) }
    }

    /// `exit` notification: 0 after `shutdown`, 1 without (as in LSP).
    func exitRequested() {
        finish(state.withLock { $0.shutdownRequested } ? 0 : 1)
    }

    /// A signal arrived: from now on the daemon ends with `code` (128 + the signal number), even
    /// when its end comes about otherwise (stdin had already ended and the last request in flight
    /// is answered first).
    func signalled(_ code: Int32) {
        state.withLock { $0.signalCode = $0.signalCode ?? code }
    }

    /// Decides the exit code (a signal's code, once one arrived); the first decision wins.
    func finish(_ code: Int32) {
        let first = state.withLock { state -> Bool in
            guard state.exitCode == nil else { return false }
            state.exitCode = state.signalCode ?? code
            return true
        }
        if first { decided.signal() }
    }

    /// Blocks until the exit code is decided.
    func waitForExit() -> Int32 {
        decided.wait()
        return state.withLock { $0.exitCode ?? 0 }
    }
}
