public import JSONRPC

/// What the fake upstream answers to one request: a status, headers and a script of steps.
///
/// Framing: when `chunked`, each `.send` step is written as one HTTP chunk (hex size CRLF data CRLF)
/// and the final zero-size chunk is written when the steps end. Otherwise a `Content-Length` is
/// computed from all `.send` steps, unless `headers` set one, or the steps contain `.close` or
/// `.stall`: then the bytes are written as they come and the body ends when the connection closes.
/// A `Content-Type` of `application/octet-stream` is added when `headers` have none.
///
/// The status line and headers go out together with the first `.send` step (an empty send writes
/// just them), or when the steps end. So `[.close]` drops the connection before any response byte
/// (the client sees a connection failure), `[.stall]` never answers (a request timeout), and
/// `[.sleep(2), .send(...)]` answers late; `[.send([]), .stall]` sends the headers, then hangs;
/// `[.send(head), .repeatForever(bytes)]` never ends.
public struct FakeResponse: Sendable {
    /// One action in a response script.
    public enum Step: Sendable {
        /// Write these bytes (one chunk when the response is chunked). The first send also writes
        /// the status line and headers; an empty send writes nothing else.
        case send([UInt8])
        /// Wait this many seconds (cut short by `FakeUpstream.stop()`).
        case sleep(Double)
        /// Drop the TCP connection now, whatever has been sent so far (nothing at all when no
        /// `.send` came first).
        case close
        /// Send nothing more; hold the connection until the client goes away or `stop()`.
        case stall
        /// Write these bytes again and again (one chunk each when chunked) until the client goes
        /// away or `stop()`: an endless body, a flood. The server blocks when the client stops
        /// reading, as a real one does (`FakeUpstream.bytesSent` shows how far it got).
        case repeatForever([UInt8])
    }

    /// The HTTP status code.
    public var status: Int
    /// Header fields written in this order, after the status line.
    public var headers: [(String, String)]
    /// The script of the response (the headers go out with the first `.send`).
    public var steps: [Step]
    /// Whether the body uses `Transfer-Encoding: chunked`.
    public var chunked: Bool

    /// A response running `steps` after the status line and headers.
    public init(status: Int = 200, headers: [(String, String)] = [], steps: [Step], chunked: Bool = false) {
        self.status = status
        self.headers = headers
        self.steps = steps
        self.chunked = chunked
    }

    /// `value` serialized compactly as `application/json`.
    public static func json(_ value: JSONValue, status: Int = 200, headers: [(String, String)] = []) -> FakeResponse {
        FakeResponse(
            status: status, headers: [("Content-Type", "application/json")] + headers, steps: [.send(value.serialized())])
    }

    /// `text` as UTF-8 with the given content type.
    public static func text(_ text: String, status: Int = 200, contentType: String = "text/plain") -> FakeResponse {
        FakeResponse(status: status, headers: [("Content-Type", contentType)], steps: [.send(Array(text.utf8))])
    }

    /// Raw `bytes` with the given content type.
    public static func bytes(
        _ bytes: [UInt8], status: Int = 200, contentType: String = "application/octet-stream"
    ) -> FakeResponse {
        FakeResponse(status: status, headers: [("Content-Type", contentType)], steps: [.send(bytes)])
    }

    /// An OpenAI-style error body: `{"error":{"message","type","param":null,"code"}}` (`code` null when nil).
    public static func error(
        status: Int, message: String, type: String = "invalid_request_error", code: String? = nil,
        headers: [(String, String)] = []
    ) -> FakeResponse {
        let error: JSONValue = [
            "message": .string(message),
            "type": .string(type),
            "param": .null,
            "code": code.map(JSONValue.string) ?? .null,
        ]
        return json(["error": error], status: status, headers: headers)
    }

    /// A chunked `text/event-stream`: each payload becomes `data: <payload>\n\n` in its own chunk,
    /// followed by `data: [DONE]\n\n` when `done` is true, with `delay` seconds between events.
    public static func sse(_ payloads: [String], done: Bool = true, delay: Double = 0) -> FakeResponse {
        var events = payloads
        if done { events.append("[DONE]") }
        var steps: [Step] = []
        for (index, payload) in events.enumerated() {
            if index > 0 && delay > 0 { steps.append(.sleep(delay)) }
            steps.append(.send(Array("data: \(payload)\n\n".utf8)))
        }
        return FakeResponse(
            headers: [("Content-Type", "text/event-stream"), ("Cache-Control", "no-cache")], steps: steps,
            chunked: true)
    }
}
