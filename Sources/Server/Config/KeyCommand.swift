import Primitives
import Dispatch
import FoundationEssentials
import JSONRPC
import Transport

/// One run of `api_key_command`, which any number of requests may wait for.
///
/// The command runs on a thread of its own, never on the cooperative pool, so a command that
/// takes its time (a password manager, a PIN prompt) holds up only the requests that need its
/// key. It has `timeout` seconds to print the key; then it is stopped (SIGTERM to its process
/// group, SIGKILL a second later) and every waiter gets -32005 naming the command. A waiter whose
/// request is cancelled stops waiting at once; when every waiter has gone, the command is stopped
/// too. `onEnd` is told the outcome once, however the run ended.
final class KeyCommand: Sendable {
    let command: [String]
    private let timeout: Double
    private let onEnd: @Sendable (Result<String, ResponseError>) -> Void
    private let state = Locked(State())

    private struct State {
        var outcome: Result<String, ResponseError>?
        var process: ChildProcess?
        var waiters: [Int: CheckedContinuation<String, any Error>] = [:]
        /// Waiters cancelled before their continuation was registered.
        var cancelled: Set<Int> = []
        var nextWaiter = 0
    }

    /// The most output the command may print; more is refused (not cut: a cut key is a wrong key).
    static let maxOutputBytes = 64 * 1024

    init(_ command: [String], timeout: Double, onEnd: @escaping @Sendable (Result<String, ResponseError>) -> Void) {
        self.command = command
        self.timeout = timeout
        self.onEnd = onEnd
    }

    /// Starts the command and its time limit.
    func start() {
        let process: ChildProcess
        do {
            process = try ChildProcess(command)
        } catch {
            return end(.failure(failure("could not be started: \(error.reason)")))
        }
        state.withLock { $0.process = process }
        DetachedThread.start(name: "sb-key-command") { [self] in
            let (termination, output) = process.finish(limit: Self.maxOutputBytes)
            state.withLock { $0.process = nil }
            end(outcome(termination, output: output))
        }
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout) { [self] in
            let seconds = JSONNumber(timeout).literal
            end(.failure(failure("did not finish within \(seconds) s (api_key_command_timeout_seconds; is it waiting for input, such as a PIN?), so it was stopped")))
        }
    }

    /// The key, once the command has printed it; throws its failure, or `CancellationError` when
    /// the calling task is cancelled (then it stops waiting at once).
    func key() async throws -> String {
        let waiter = state.withLock { state -> Int in
            state.nextWaiter += 1
            return state.nextWaiter
        }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let early = state.withLock { state -> Result<String, any Error>? in
                    if state.cancelled.remove(waiter) != nil { return .failure(CancellationError()) }
                    if let outcome = state.outcome { return outcome.mapError { $0 } }
                    state.waiters[waiter] = continuation
                    return nil
                }
                if let early { continuation.resume(with: early) }
            }
        } onCancel: {
            let (continuation, nobodyWaits) = state.withLock { state -> (CheckedContinuation<String, any Error>?, Bool) in
                guard state.outcome == nil else { return (nil, false) }
                guard let continuation = state.waiters.removeValue(forKey: waiter) else {
                    state.cancelled.insert(waiter)
                    return (nil, false)
                }
                return (continuation, state.waiters.isEmpty)
            }
            continuation?.resume(throwing: CancellationError())
            if nobodyWaits { end(.failure(failure("was stopped: every request waiting for its key was cancelled"))) }
        }
    }

    /// Records the first outcome, tells `onEnd` and wakes every waiter. A command still running
    /// (the outcome is a time-out or that nobody waits) is stopped: SIGTERM to its process group,
    /// SIGKILL a second later unless it has ended by then.
    private func end(_ outcome: Result<String, ResponseError>) {
        let ended = state.withLock { state -> (waiters: [CheckedContinuation<String, any Error>], running: ChildProcess?)? in
            guard state.outcome == nil else { return nil }
            state.outcome = outcome
            defer { state.waiters = [:] }
            return (Array(state.waiters.values), state.process)
        }
        guard let (waiters, running) = ended else { return }
        if let running {
            running.signal(SIGTERM)
            DispatchQueue.global().asyncAfter(deadline: .now() + 1) { [self] in
                if state.withLock({ $0.process != nil }) { running.signal(SIGKILL) }
            }
        }
        // Told before the waiters: a request that comes once they have their answer must find a
        // failed run forgotten (and start a new one), not join it.
        onEnd(outcome)
        for waiter in waiters { waiter.resume(with: outcome.mapError { $0 }) }
    }

    private func outcome(_ termination: ChildProcess.Termination, output: ChildProcess.Output) -> Result<String, ResponseError> {
        switch termination {
        case .exited(0):
            switch output {
            case .overLimit:
                return .failure(failure("printed more than \(Self.maxOutputBytes / 1024) KiB; it should print the key"))
            case .complete(let bytes):
                do throws(OutputProblem) { return .success(try Self.key(in: bytes)) } catch { return .failure(failure(error.what)) }
            }
        case .exited(let status):
            return .failure(failure("exited with status \(status)"))
        case .signalled(let signal):
            return .failure(failure("was ended by signal \(signal)"))
        }
    }

    /// What is wrong with the command's output, said without quoting it.
    struct OutputProblem: Error, Equatable {
        let what: String
    }

    /// The key in the command's output: its first line, without the white space around it, as
    /// `pass` and git's credential helpers print a password (further lines hold other fields,
    /// such as `login:`). A key holding a control character is refused: it would end the
    /// Authorization header and start others.
    static func key(in output: [UInt8]) throws(OutputProblem) -> String {
        // Split as bytes: as Characters, a CRLF is one grapheme that a split at "\n" would miss.
        let firstLine = output.split(separator: UInt8(ascii: "\n"), maxSplits: 1, omittingEmptySubsequences: false).first ?? []
        let key = String(decoding: firstLine, as: UTF8.self).trimmingWhitespace
        guard !key.isEmpty else {
            let printedNothing = String(decoding: output, as: UTF8.self).trimmingWhitespace.isEmpty
            throw OutputProblem(what: printedNothing ? "printed nothing" : "printed an empty first line (the key goes on the first line)")
        }
        if let control = key.firstControlCharacter() {
            throw OutputProblem(what: "printed a key holding a control character (\(control.codePointText)); the key must be one line of printable text")
        }
        return key
    }

    /// -32005 naming the command (its argv, as `config.get` shows it).
    private func failure(_ what: String) -> ResponseError {
        let argv = String(decoding: JSONValue.array(command.map(JSONValue.string)).serialized(), as: UTF8.self)
        return ResponseError(.configError, "api_key_command \(argv) \(what)", data: ["field": "api_key_command"])
    }
}
