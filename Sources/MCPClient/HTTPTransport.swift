import FoundationEssentials
import HTTP
import JSONRPC
import Primitives
import Upstream

/// An MCP server reached over Streamable HTTP, through the daemon's libcurl engine.
///
/// Each request is a POST of one JSON-RPC message with `Accept: application/json,
/// text/event-stream`; the answer is a JSON body or an event stream, read until the response to
/// that request (notifications on the way, such as progress, go to `inbound`). Every message
/// carries `MCP-Protocol-Version` once a revision is agreed on; under the modern revision also
/// `Mcp-Method` (and `Mcp-Name` for `tools/call`), under a legacy one the `Mcp-Session-Id` the
/// `initialize` answer gave. The spec's headers go with every request (their values are never
/// logged). Cancelling a request aborts its POST.
final class HTTPTransport: MCPTransport {
    /// The longest answer accepted (a JSON body, or one event of a stream).
    static let maxAnswerBytes = 64 * 1024 * 1024

    private struct State {
        var era: Era?
        var sessionID: String?
    }

    private let serverName: String
    private let url: String
    private let headers: [String: String]
    private let engine: HTTPEngine
    private let timeoutSeconds: Double
    private let state = Locked(State())
    private let inbound: @Sendable (JSONValue) -> Void
    private let log: @Sendable (String) -> Void

    init(name: String, url: String, headers: [String: String], engine: HTTPEngine, timeoutSeconds: Double,
         log: @escaping @Sendable (String) -> Void, inbound: @escaping @Sendable (JSONValue) -> Void) {
        serverName = name
        self.url = url
        self.headers = headers
        self.engine = engine
        self.timeoutSeconds = timeoutSeconds
        self.log = log
        self.inbound = inbound
    }

    var announcesCancellation: Bool { state.withLock { $0.era?.isModern != true } }

    func adopt(_ era: Era) {
        state.withLock { $0.era = era }
    }

    func close() {}

    func exchange(_ request: OutgoingRequest) async throws -> JSONValue {
        let (response, sentSession) = try await send(request.message, method: request.method, name: request.name)
        let head = response.head
        if head.status == 404, sentSession {
            response.discard()
            state.withLock { $0.sessionID = nil }
            throw SessionExpired()
        }
        if request.method == "initialize", head.isSuccess, let session = head.headers["mcp-session-id"] {
            state.withLock { $0.sessionID = session }
        }
        let contentType = head.contentType?.lowercased() ?? ""
        if head.isSuccess, contentType.hasPrefix("text/event-stream") {
            return try await readStream(response, for: request.id)
        }
        let body = try await readBody(response)
        if let message = try? JSONParser.parse(body), message["id"]?.intValue == request.id,
           message["result"] != nil || message["error"] != nil {
            return message
        }
        let text = String(decoding: body.prefix(300), as: UTF8.self).trimmingWhitespace
        guard head.isSuccess else {
            if (500..<600).contains(head.status) {
                throw MCPClientError(.unavailable, "MCP server \"\(serverName)\" answered HTTP \(head.status)\(text.isEmpty ? "" : ": \(text)")")
            }
            // A refusal without a JSON-RPC body (an endpoint that predates the method, a proxy): an
            // error answer like any other, so that the era probe falls back on it.
            return OutgoingMessage.error(id: .number(JSONNumber(request.id)),
                                         ResponseError(.invalidRequest, "HTTP \(head.status)\(text.isEmpty ? "" : ": \(text)")"))
        }
        throw MCPClientError(.protocolViolation, "MCP server \"\(serverName)\" answered request \(request.method) with no JSON-RPC response (HTTP \(head.status), \(contentType.isEmpty ? "no content type" : contentType))")
    }

    func notify(_ message: JSONValue) async throws {
        let (response, _) = try await send(message, method: message["method"]?.stringValue ?? "", name: nil)
        response.discard()
        guard response.head.isSuccess else {
            throw MCPClientError(.unavailable, "MCP server \"\(serverName)\" refused \(message["method"]?.stringValue ?? "a notification") (HTTP \(response.head.status))")
        }
    }

    func post(_ message: JSONValue) {
        Task { [self] in
            do {
                try await notify(message)
            } catch {
                log("MCP server \"\(serverName)\": \(error)")
            }
        }
    }

    // MARK: - Sending and reading

    /// POSTs `message`; returns the response (its head read) and whether a session id went with it.
    private func send(_ message: JSONValue, method: String, name: String?) async throws -> (HTTPResponse, Bool) {
        var request = HTTPRequest(method: "POST", url: url, body: .bytes(message.serialized()))
        for (field, value) in headers.sorted(by: { $0.key < $1.key }) { request.setHeader(field, value) }
        request.setHeader("Content-Type", "application/json")
        request.setHeader("Accept", "application/json, text/event-stream")
        let (era, sessionID) = state.withLock { ($0.era, $0.sessionID) }
        if let era {
            request.setHeader("MCP-Protocol-Version", era.version)
        } else if method == "server/discover" {
            request.setHeader("MCP-Protocol-Version", ProtocolRevision.modern)
        }
        if era?.isModern == true || (era == nil && method == "server/discover") {
            request.setHeader("Mcp-Method", method)
            if let name { request.setHeader("Mcp-Name", HeaderValue.encoded(name)) }
        }
        if let sessionID, era?.isModern != true { request.setHeader("Mcp-Session-Id", sessionID) }
        do {
            return (try await engine.send(request, timeouts: Timeouts(request: timeoutSeconds + 5)), sessionID != nil)
        } catch let error as HTTPError {
            throw translate(error)
        }
    }

    private func readBody(_ response: HTTPResponse) async throws -> [UInt8] {
        var body: [UInt8] = []
        do {
            for try await chunk in response.body {
                body += chunk
                if body.count > Self.maxAnswerBytes {
                    response.cancel()
                    throw MCPClientError(.protocolViolation, "MCP server \"\(serverName)\" sent an answer larger than \(Self.maxAnswerBytes >> 20) MiB")
                }
            }
        } catch let error as HTTPError {
            throw translate(error)
        }
        return body
    }

    /// Reads an event stream until the response to request `id`; other messages go to `inbound`.
    private func readStream(_ response: HTTPResponse, for id: Int) async throws -> JSONValue {
        var parser = SSEParser(maxEventBytes: Self.maxAnswerBytes)
        do {
            for try await chunk in response.body {
                for event in parser.push(chunk) {
                    if let answer = take(event, for: id) {
                        response.discard()
                        return answer
                    }
                }
                if parser.isOverflowed {
                    response.cancel()
                    throw MCPClientError(.protocolViolation, "MCP server \"\(serverName)\" sent an event larger than \(Self.maxAnswerBytes >> 20) MiB")
                }
            }
        } catch let error as HTTPError {
            throw translate(error)
        }
        for event in parser.finish() {
            if let answer = take(event, for: id) { return answer }
        }
        throw MCPClientError(.protocolViolation, "MCP server \"\(serverName)\" ended its event stream without answering the request")
    }

    /// The event's message when it is the response to `id`; any other message goes to `inbound`.
    private func take(_ event: SSEEvent, for id: Int) -> JSONValue? {
        guard event.event == "message", !event.data.isEmpty else { return nil }
        guard let message = try? JSONParser.parse(event.data), message.objectValue != nil else {
            log("MCP server \"\(serverName)\" sent an event that is not a JSON-RPC message: \(event.data.prefix(200))")
            return nil
        }
        if message["method"] == nil, message["id"]?.intValue == id { return message }
        inbound(message)
        return nil
    }

    private func translate(_ error: HTTPError) -> MCPClientError {
        switch error {
        case .timeout(_, let seconds):
            MCPClientError(.timeout, "MCP server \"\(serverName)\" did not answer within \(seconds.formatted(places: 0)) s")
        case .unavailable(let reason), .invalidRequest(let reason), .permanent(let reason):
            MCPClientError(.unavailable, "MCP server \"\(serverName)\" cannot be reached: \(URLPassword.redacted(in: reason))")
        case .transport(let reason, let afterHead):
            MCPClientError(afterHead ? .protocolViolation : .unavailable,
                           "MCP server \"\(serverName)\" \(afterHead ? "broke off its answer" : "cannot be reached"): \(URLPassword.redacted(in: reason))")
        case .headTooLarge(let limit):
            MCPClientError(.protocolViolation, "MCP server \"\(serverName)\" sent a response head larger than \(limit) bytes")
        }
    }
}

/// HTTP header values as MCP writes them: plain printable ASCII as it is, anything else
/// (non-ASCII, control characters, edge spaces) as `=?base64?…?=`.
enum HeaderValue {
    static func encoded(_ value: String) -> String {
        let plain = value.utf8.allSatisfy { (0x20...0x7E).contains($0) } && value == value.trimmingWhitespace
            && !(value.hasPrefix("=?base64?") && value.hasSuffix("?="))
        if plain { return value }
        return "=?base64?" + Data(value.utf8).base64EncodedString() + "?="
    }
}
