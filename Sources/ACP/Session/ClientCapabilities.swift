import JSONRPC

/// What the editor said it can do in `initialize` (`clientCapabilities`): which of its file
/// tools the model is offered.
struct ClientCapabilities: Sendable {
    var readTextFile = false
    var writeTextFile = false
    var terminal = false

    init() {}

    init(_ value: JSONValue?) {
        readTextFile = value?["fs"]?["readTextFile"]?.boolValue ?? false
        writeTextFile = value?["fs"]?["writeTextFile"]?.boolValue ?? false
        terminal = value?["terminal"]?.boolValue ?? false
    }
}
