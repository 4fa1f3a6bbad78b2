import JSONRPC
import Server

/// `notifications/message` for one call, at or above the level the client asked for: per request
/// (`_meta` logLevel, 2026-07-28) or for the session (`logging/setLevel`, earlier revisions).
/// Nothing is sent when no level was asked for. Lines also go to the daemon's own log.
struct CallLog: Sendable {
    let tool: String
    let threshold: @Sendable () -> LogLevel?
    let send: @Sendable (JSONValue) -> Void
    let log: Log
    let secrets: Secrets

    func callAsFunction(_ level: LogLevel, _ message: String) {
        let text = secrets.scrub("\(tool): \(message)")
        switch level {
        case .debug: log.debug(text)
        case .info, .notice: log.info(text)
        case .warning: log.warn(text)
        default: log.error(text)
        }
        guard let threshold = threshold(), level >= threshold else { return }
        send(OutgoingMessage.notification("notifications/message", [
            "level": .string(level.rawValue), "logger": "switchboard", "data": .string(text),
        ]))
    }
}
