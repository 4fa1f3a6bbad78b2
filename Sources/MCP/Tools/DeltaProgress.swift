import Primitives
import JSONRPC
import Transport

/// Streams a chat answer as progress: each `chat.delta` that carries text becomes one
/// `notifications/progress` whose `message` is that new text (the delta, not the text so far, so
/// that a long answer costs linear bytes) and whose `progress` is the number of characters
/// (Unicode scalars) received so far, which grows with every notification. No `total`.
struct DeltaProgress: Sendable {
    let reporter: ProgressReporter?
    private let received = Locked(0)

    init(_ reporter: ProgressReporter?) {
        self.reporter = reporter
    }

    /// Whether to ask the method for a stream: only when someone watches the progress.
    var wantsStream: Bool { reporter != nil }

    func relay(_ method: String, _ params: JSONValue) {
        guard let reporter, method == "chat.delta", params["index"]?.intValue ?? 0 == 0,
              let text = params["delta"]?["content"]?.stringValue, !text.isEmpty else { return }
        let total = received.withLock { count -> Int in
            count += text.unicodeScalars.count
            return count
        }
        reporter.report(Double(total), message: text)
    }
}
