import JSONRPC
import Transport

/// The notifications of a method a tool calls, handed to the tool's translation (a `chat.delta`
/// becomes `notifications/progress`), with the tool call's own flow control.
struct TranslatedNotifications: NotificationSink {
    let output: RequestOutput
    let translate: @Sendable (String, JSONValue) -> Void

    func notify(_ method: String, _ params: JSONValue) { translate(method, params) }
    func waitForRoom() async throws { try await output.waitForRoom() }
    var hasRoom: Bool { output.hasRoom }
    func batched<T>(_ body: () throws -> T) rethrows -> T { try output.batched(body) }
}
