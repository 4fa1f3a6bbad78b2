import FoundationEssentials
import JSONRPC
import Server
import Transport

/// What a tool may use for one `tools/call`: the daemon's methods, the output folder, progress
/// and log notifications for this call, and the protocol revision it answers in.
struct ToolContext: Sendable {
    let id: RequestID
    let runner: MethodRunner
    /// This call's share of the output: its progress and log notifications, with flow control.
    let output: RequestOutput
    let outputFolder: OutputFolder
    /// Set when the call carried a progress token.
    let progress: ProgressReporter?
    let log: CallLog
    let version: ProtocolVersion
    /// Images and audio up to this size come back inline as well as saved.
    var inlineLimit = ToolContext.defaultInlineLimit

    /// About 1 MB once base64-encoded: what hosts accept in a tool result without complaint.
    static let defaultInlineLimit = 750_000

    /// Calls one of the daemon's methods as this call; its notifications go to `onNotification`
    /// (which turns them into MCP's), and it waits for the client as this call's output does.
    /// Cancelling the call cancels the method (its error is then -32800).
    func call(_ method: String, _ params: JSONObject,
              onNotification: @escaping @Sendable (String, JSONValue) -> Void = { _, _ in }) async throws(ResponseError) -> JSONValue {
        log(.debug, "calling \(method)")
        guard let handler = runner.method(named: method) else { throw .methodNotFound(method) }
        let context = runner.context(for: id, output: TranslatedNotifications(output: output, translate: onNotification))
        switch await runner.invoke(handler, params: .object(params), context: context) {
        case .success(let result): return result
        case .failure(let error): throw error
        }
    }

    /// Refuses arguments that would choose where files are written: the tools write only under
    /// the output folder.
    func refuseOutputLocations(_ arguments: Params, _ names: String...) throws(ResponseError) {
        for name in names where arguments[name] != nil {
            throw .invalidParams(field: name, "is not accepted: files are written only under the output folder \(outputFolder.root.path)")
        }
    }
}
