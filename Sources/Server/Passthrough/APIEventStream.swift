import JSONRPC
import Upstream

/// A streamed `api.request` answer: every server-sent event relayed as it arrives, in order, as
/// an `api.event` notification `{request_id, event, data, id?}`, uninterpreted: `event` is the
/// SSE event name (`message` when the stream names none), `data` the data as JSON when it is
/// JSON and as a string otherwise (secrets scrubbed), `id` the last event id when the stream has
/// sent one (as SSE defines it, an `id:` line carries over to the events after it).
/// Error events are relayed like any other. The stream ends with the body, or at `data: [DONE]`
/// (not relayed); the result is `{status, headers, events}`, the number of events relayed.
struct APIEventStream: StreamHandler {
    let context: RequestContext
    /// The answer's status and headers, repeated in the result.
    let head: JSONObject
    private var events = 0

    init(context: RequestContext, head: JSONObject) {
        self.context = context
        self.head = head
    }

    var terminator: String { "[DONE]" }
    var decodesJSON: Bool { false }
    /// A generic stream has no end of its own but the body's.
    var isComplete: Bool { true }
    var partial: JSONValue? { result() }

    func result() -> JSONValue {
        var result = head
        result["events"] = .number(events)
        return .object(result)
    }

    mutating func handle(_ event: SSEEvent, payload: JSONValue) throws -> Bool {
        var params = JSONObject([("request_id", context.id.json), ("event", .string(event.event)), ("data", context.secrets.scrub(payload))])
        if let id = event.id { params["id"] = .string(id) }
        context.notify("api.event", .object(params))
        events += 1
        return false
    }
}
