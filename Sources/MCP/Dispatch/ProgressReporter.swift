import Primitives
import JSONRPC
import Transport

/// Sends `notifications/progress` for one call that carried a progress token.
///
/// MCP requires the progress value to increase with every notification: a report that would not
/// (a MidJourney status change at the same percentage) is dropped.
final class ProgressReporter: Sendable {
    let token: JSONValue
    private let send: @Sendable (JSONValue) -> Void
    private let last = Locked<Double?>(nil)

    init(token: JSONValue, send: @escaping @Sendable (JSONValue) -> Void) {
        self.token = token
        self.send = send
    }

    func report(_ progress: Double, total: Double? = nil, message: String? = nil) {
        let increases = last.withLock { last -> Bool in
            guard last.map({ progress > $0 }) ?? true else { return false }
            last = progress
            return true
        }
        guard increases else { return }
        var params: JSONObject = ["progressToken": token, "progress": .number(progress)]
        if let total { params["total"] = .number(total) }
        if let message { params["message"] = .string(message) }
        send(OutgoingMessage.notification("notifications/progress", .object(params)))
    }
}
