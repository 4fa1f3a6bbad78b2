import FoundationEssentials
import JSONRPC
import Primitives
import Upstream

/// What one kind of stream (chat completions, text completions, Responses) does with its
/// events: relays them to the client as notifications and assembles the method's result.
/// `StreamRelay` drives it and owns what every stream shares: SSE parsing within the event size
/// limit, JSON decoding, cancellation, and errors carrying the output so far.
protocol StreamHandler {
    /// What ends the stream normally: `[DONE]`, or an event type such as `response.completed`.
    /// When it is not `[DONE]`, a `[DONE]` (some relays add one) ends the stream only once the
    /// answer is complete.
    var terminator: String { get }
    /// Handles one event in the stream's most common shape without decoding it into a tree (or
    /// copying its data out of the bytes received), as `handle` would have; returns nil, having
    /// done nothing, when the event must go to `handle`.
    mutating func handleCommon(_ event: SSEEventView) -> Bool?
    /// Handles one event whose data is the JSON `payload`; returns true when it was the last.
    /// Throws for an event that reports a failure (see `StreamRelay.failure(in:payload:)`).
    mutating func handle(_ event: SSEEvent, payload: JSONValue) throws -> Bool
    /// Whether what arrived is a whole answer, for a stream that ends without its terminator.
    var isComplete: Bool { get }
    /// The output so far, for an error's `data.partial`; nil when nothing arrived.
    var partial: JSONValue? { get }
    /// The method's result.
    func result() -> JSONValue
    /// Whether every event's data must be JSON (a stream that sends other text fails with
    /// -32004). When false, data that is not JSON is handed over as a string.
    var decodesJSON: Bool { get }
}

extension StreamHandler {
    var decodesJSON: Bool { true }
    mutating func handleCommon(_ event: SSEEventView) -> Bool? { nil }
}

/// Sends a request whose answer may stream, and relays the stream through a `StreamHandler`.
struct StreamRelay {
    let context: RequestContext
    let target: UpstreamTarget

    /// POSTs `body` to `path`. With `stream: true` in the body an SSE answer goes through
    /// `handler` and its result is returned; an answer that came whole (the request did not
    /// stream, or a server ignored `stream`) is returned as it is, after `whole` has seen it.
    func post<Handler: StreamHandler>(_ path: String, body: JSONObject, handler: Handler,
                                      whole: (JSONValue) -> Void = { _ in }) async throws -> JSONValue {
        let streaming = body["stream"]?.boolValue == true
        let payload = Data(JSONValue.object(body).serialized())
        let call = try await context.send(
            { target.request("POST", path, body: payload, accept: streaming ? "text/event-stream" : "application/json") },
            target: target, streaming: streaming)
        let isEventStream = call.contentType?.lowercased().contains("text/event-stream") ?? false
        guard streaming, isEventStream else {
            let answer = try await UpstreamJSON.read(call, secrets: context.secrets)
            whole(answer)
            return answer
        }
        var handler = handler
        return try await relay(call, &handler)
    }

    /// `body` asking a streamed answer to end with a usage chunk (`stream_options.include_usage`),
    /// unless the request says otherwise or `enabled` is false (config `stream_usage: false`, for
    /// a server that refuses `stream_options`).
    static func withUsage(_ body: JSONObject, enabled: Bool) -> JSONObject {
        guard enabled, body["stream"]?.boolValue == true, body["stream_options"]?["include_usage"] == nil else { return body }
        var body = body
        var options = body["stream_options"]?.objectValue ?? JSONObject()
        options["include_usage"] = true
        body["stream_options"] = .object(options)
        return body
    }

    /// Relays an SSE stream; on any failure the error carries what was assembled so far.
    ///
    /// The stream is read on the HTTP engine's thread (`readOnLoop`, `UpstreamCall.consume`): each
    /// piece is parsed and relayed right where it arrived, in libcurl's write callback, so a
    /// stream trickling in at model speed wakes one thread per piece and resumes no task for it,
    /// and the notifications of one piece go out in one write. After each piece the reader asks
    /// the client's side for room: while the client is behind, the reader suspends (the thread
    /// goes on with other transfers) and the transfer stays paused once its buffer is full, so
    /// the upstream's TCP window holds the rest. A cancelled request closes the upstream
    /// connection at once, whether or not the client reads.
    func relay<Handler: StreamHandler>(_ call: UpstreamCall, _ handler: inout Handler) async throws -> JSONValue {
        var parser = SSEParser()
        do {
            let terminated = try await call.readOnLoop { () async throws -> Bool in
                var terminated = false
                while true {
                    try await context.waitForOutputRoom()
                    let stopped = try await call.consume { piece in
                        if try context.batchingOutput({ try parser.push(piece) { try receive($0, &handler) } }) {
                            terminated = true
                            return false
                        }
                        if parser.isOverflowed {
                            call.cancel()
                            throw UpstreamError.badResponse(
                                reason: "the stream sent an event larger than \(parser.maxEventBytes) bytes (a line without end?)", upstreamError: nil)
                        }
                        return context.outputHasRoom
                    }
                    if terminated { return true }
                    if !stopped { return false }
                }
            }
            if terminated {
                call.finish()
                return handler.result()
            }
            try Task.checkCancellation()
            for event in parser.finish() where try receive(SSEEventView(event), &handler) { return handler.result() }
            // Some servers end without their terminator; a stream whose answer is whole is complete.
            if handler.isComplete { return handler.result() }
            throw UpstreamError.badResponse(reason: "the stream ended before it was complete (no \(handler.terminator))", upstreamError: nil)
        } catch {
            call.cancel()
            throw PartialOutputError(error, partial: handler.partial)
        }
    }

    /// Handles one event; returns true when the stream is over.
    private func receive<Handler: StreamHandler>(_ view: SSEEventView, _ handler: inout Handler) throws -> Bool {
        if view.withData({ $0.equals("[DONE]") }) {
            if handler.terminator == "[DONE]" || handler.isComplete { return true }
            throw UpstreamError.badResponse(reason: "the stream sent [DONE] before \(handler.terminator)", upstreamError: nil)
        }
        if let last = handler.handleCommon(view) { return last }
        let event = view.materialized
        let payload: JSONValue
        do {
            payload = try JSONParser.parse(event.data.utf8)
        } catch where !handler.decodesJSON {
            payload = .string(event.data)
        } catch where error.isTooDeeplyNested {
            throw UpstreamJSON.tooDeep("event")
        } catch {
            throw UpstreamError.badResponse(reason: "the stream sent an event that is not JSON: \(context.secrets.excerpt(event.data, limit: 200))",
                                            upstreamError: nil)
        }
        return try handler.handle(event, payload: payload)
    }

    /// The error an event reports: an `error` event, a payload of `type: "error"`, or one with a
    /// non-null `error` member; nil for an ordinary event.
    static func failure(in event: SSEEvent, payload: JSONValue, secrets: Secrets) -> UpstreamError? {
        let hasError = payload["error"].map { !$0.isNull } ?? false
        guard event.event == "error" || payload["type"]?.stringValue == "error" || hasError else { return nil }
        let message = payload["error"]?["message"]?.stringValue ?? payload["error"]?.stringValue ?? payload["message"]?.stringValue ?? event.data
        return .badResponse(reason: "the stream sent an error: \(secrets.excerpt(message, limit: 500))", upstreamError: Data(event.data.utf8))
    }
}
