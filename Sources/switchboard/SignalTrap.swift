import Primitives
import Dispatch

/// Delivers SIGINT and SIGTERM to a handler on a queue of its own instead of killing the process.
enum SignalTrap {
    /// Kept alive for the life of the process.
    nonisolated(unsafe) private static var sources: [any DispatchSourceSignal] = []

    static func install(_ handler: @escaping @Sendable (Int32) -> Void) {
        let queue = DispatchQueue(label: "switchboard.signals")
        for signalNumber in [SIGINT, SIGTERM] {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: queue)
            source.setEventHandler { handler(signalNumber) }
            source.resume()
            sources.append(source)
        }
    }
}
