import Primitives
import Dispatch
import Server

/// Delivers the signals that would end the process to a handler on a queue of its own instead.
///
/// SIGINT and SIGTERM, and SIGHUP (the terminal or the client's session went away), SIGUSR1 and
/// SIGUSR2 (which the daemon has no use for: their default action ends a process, and whoever
/// sends one gets that, with the same clean ending): requests in flight are answered -32800, the
/// files being written and the uploads' temporary copies are removed, and the exit code is 128
/// plus the signal's number. SIGKILL cannot be caught; the next start removes the upload copies it
/// left (see `TemporaryUploads`).
enum SignalTrap {
    /// The signals handled, each ending the daemon as SIGTERM does.
    static let endingSignals = [SIGINT, SIGTERM, SIGHUP, SIGUSR1, SIGUSR2]

    /// Kept alive for the life of the process.
    nonisolated(unsafe) private static var sources: [any DispatchSourceSignal] = []

    static func install(_ handler: @escaping @Sendable (Int32) -> Void) {
        let queue = DispatchQueue(label: "switchboard.signals")
        for signalNumber in endingSignals {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: queue)
            // Once the requests are answered, a running api_key_command is ended at once rather
            // than after the output's last few seconds (the exit does it again, for any started since).
            source.setEventHandler {
                handler(signalNumber)
                ChildProcess.killAll()
            }
            source.resume()
            sources.append(source)
        }
    }
}
