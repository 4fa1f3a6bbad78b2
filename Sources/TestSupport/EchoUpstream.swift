import Foundation
import JSONRPC

extension FakeUpstream {
    /// A fake upstream with fixed, documented behaviour for client tests (editor plugins, the
    /// Python and Node clients), which cannot script responses one by one:
    ///
    /// - `HEAD` (the daemon's preconnect): 200, no body.
    /// - `GET /v1/models`: models `gpt-4o-mini`, `gpt-4o`, `text-embedding-3-small`, `whisper-1`
    ///   (the last two let model pickers show that they keep to chat models).
    /// - `POST /v1/chat/completions`: answers `echo: <text of the last user message>`, adding
    ///   ` [N image(s)]` when that message has image parts; streamed (SSE, 3-character pieces, a
    ///   usage chunk, `[DONE]`) when the request has `stream: true`, else one `chat.completion`.
    ///   A message containing `SLOW` streams its pieces 0.2 s apart (for cancellation tests);
    ///   one containing `FAIL401` gets an OpenAI-style 401 error; one containing `UPPERCASE`
    ///   is answered, as a model asked to rewrite code would, with its last fenced code block
    ///   upper-cased inside a fence of the same language (the whole text upper-cased when it has
    ///   no fence).
    ///   With `tools` in the request, a last user message containing `TOOL` is answered with a
    ///   call of the first tool, arguments `{"text": <the message>}` (id `call_echo`); when the
    ///   last message is a `tool` message, the answer is `echo: <its content>`. An agent run
    ///   thus takes two turns, and its answer shows what the tool returned.
    /// - `GET /echo/log`, for tests that run in another process: `{"requests": [{"method",
    ///   "path", "body"}], "open_connections": N}`, every request received so far except these
    ///   log queries (`body` is the parsed JSON body, or null), and the number of TCP connections
    ///   open, not counting the one asking. A client that abandons a stream shows as its
    ///   connection closing: a finished response leaves the daemon's connection open for reuse.
    public static func echo() throws -> FakeUpstream {
        let server = ServerReference()
        let upstream = try FakeUpstream { (request: RecordedRequest) -> FakeResponse in
            if request.method == "HEAD" { return .text("") }
            if request.method == "GET", request.path == logPath { return log(of: server.value) }
            if request.method == "GET", request.path.hasSuffix("/models") {
                return .json(["object": "list", "data": .array(modelIDs.map(modelEntry))])
            }
            guard let body = request.json, let messages = body["messages"]?.arrayValue else {
                return .error(status: 400, message: "expected a chat completion request")
            }
            let model = body["model"]?.stringValue ?? "gpt-4o-mini"
            let streaming = body["stream"]?.boolValue == true
            if let answer = toolTurn(messages, tools: body["tools"]?.arrayValue ?? [], model: model, streaming: streaming) { return answer }
            let (text, images) = lastUserMessage(messages)
            if text.contains("FAIL401") {
                return .error(status: 401, message: "Incorrect API key provided", code: "invalid_api_key")
            }
            let reply = text.contains("UPPERCASE")
                ? rewritten(text)
                : "echo: \(text)" + (images > 0 ? " [\(images) image\(images == 1 ? "" : "s")]" : "")
            guard streaming else { return .chatCompletion(reply, model: model) }
            return .chatStream(pieces(of: reply), model: model, delay: text.contains("SLOW") ? 0.2 : 0)
        }
        server.value = upstream
        return upstream
    }

    /// A tool call or the answer to a tool's result (see `echo()`); nil for other requests.
    private static func toolTurn(_ messages: [JSONValue], tools: [JSONValue], model: String, streaming: Bool) -> FakeResponse? {
        guard let last = messages.last, let name = tools.first?["function"]?["name"]?.stringValue else { return nil }
        if last["role"] == "tool" {
            let reply = "echo: \(last["content"]?.stringValue ?? "")"
            return streaming ? .chatStream(pieces(of: reply), model: model) : .chatCompletion(reply, model: model)
        }
        let (text, _) = lastUserMessage(messages)
        guard last["role"] == "user", text.contains("TOOL") else { return nil }
        let arguments = (["text": .string(text)] as JSONValue).jsonText
        let call = FakeResponse.ToolCall(id: "call_echo", name: name, arguments: arguments)
        return streaming ? .toolCallStream([call], model: model) : .toolCallCompletion([call], model: model)
    }

    private static let logPath = "/echo/log"
    private static let modelIDs = ["gpt-4o-mini", "gpt-4o", "text-embedding-3-small", "whisper-1"]

    private static func modelEntry(_ id: String) -> JSONValue {
        ["id": .string(id), "object": "model", "created": 1, "owned_by": "echo"]
    }

    /// The answer to `GET /echo/log`.
    private static func log(of server: FakeUpstream?) -> FakeResponse {
        guard let server else { return .error(status: 503, message: "the echo upstream is stopping") }
        let requests = server.requests.filter { $0.path != logPath }.map { request -> JSONValue in
            ["method": .string(request.method), "path": .string(request.path), "body": request.json ?? .null]
        }
        let open = max(0, server.openConnectionCount - 1)
        return .json(["requests": .array(requests), "open_connections": .number(JSONNumber(open))])
    }

    /// `reply` in 3-character pieces.
    private static func pieces(of reply: String) -> [String] {
        stride(from: 0, to: reply.count, by: 3).map { offset -> String in
            let start = reply.index(reply.startIndex, offsetBy: offset)
            return String(reply[start..<(reply.index(start, offsetBy: 3, limitedBy: reply.endIndex) ?? reply.endIndex)])
        }
    }

    /// The last fenced code block of `text` upper-cased, in a fence of its language; the whole
    /// text upper-cased when there is no complete fence.
    private static func rewritten(_ text: String) -> String {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        let fences = lines.indices.filter { lines[$0].hasPrefix("```") }
        guard fences.count >= 2 else { return text.uppercased() }
        let (open, close) = (fences[fences.count - 2], fences[fences.count - 1])
        let body = lines[(open + 1)..<close].joined(separator: "\n")
        return "\(lines[open])\n\(body.uppercased())\n```"
    }

    /// The text (string content or joined text parts) and image part count of the last user message.
    private static func lastUserMessage(_ messages: [JSONValue]) -> (String, Int) {
        guard let message = messages.last(where: { $0["role"] == "user" }) else { return ("", 0) }
        if let text = message["content"]?.stringValue { return (text, 0) }
        let parts = message["content"]?.arrayValue ?? []
        let text = parts.compactMap { $0["type"] == "text" ? $0["text"]?.stringValue : nil }.joined(separator: " ")
        return (text, parts.filter { $0["type"] == "image_url" }.count)
    }
}

/// The echo upstream's handler reaches its own server through this (for `/echo/log`): set once the
/// server exists, and weak, so the server's handler does not keep the server alive.
///
/// `@unchecked Sendable`: `server` is read and written only while `lock` is held.
private final class ServerReference: @unchecked Sendable {
    private let lock = NSLock()
    private weak var server: FakeUpstream?

    var value: FakeUpstream? {
        get { lock.withLock { server } }
        set { lock.withLock { server = newValue } }
    }
}
