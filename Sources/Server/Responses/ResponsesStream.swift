import FoundationEssentials
import JSONRPC
import Upstream

/// A Responses API stream (`POST /responses` with `stream: true`): every event relayed in order as
/// a `responses.event` notification `{request_id, type, event}`; the result is the final
/// `response` object of `response.completed` (or `response.incomplete`, a response cut short by
/// its token limit). `response.failed` and `error` events end the request with -32004.
///
/// For an error's `data.partial` it keeps the last `response` snapshot (from `response.created`
/// and `response.in_progress`), the output items finished so far and the output text so far, as
/// `output_text`.
struct ResponsesStream: StreamHandler {
    let context: RequestContext
    private var final: JSONValue?
    private var snapshot: JSONObject?
    private var finishedItems: [JSONValue] = []
    private var text = ""

    init(context: RequestContext) {
        self.context = context
    }

    var terminator: String { "response.completed" }
    var isComplete: Bool { final != nil }
    func result() -> JSONValue { final ?? partial ?? ["object": "response"] }

    var partial: JSONValue? {
        guard snapshot != nil || !finishedItems.isEmpty || !text.isEmpty else { return nil }
        var response = snapshot ?? JSONObject()
        response["object"] = "response"
        if !finishedItems.isEmpty { response["output"] = .array(finishedItems) }
        response["output_text"] = .string(text)
        return .object(response)
    }

    mutating func handle(_ event: SSEEvent, payload: JSONValue) throws -> Bool {
        let type = payload["type"]?.stringValue ?? event.event
        context.notify("responses.event", .object(JSONObject([("request_id", context.id.json), ("type", .string(type)), ("event", payload)])))
        if let failure = StreamRelay.failure(in: event, payload: payload, secrets: context.secrets) { throw failure }
        switch type {
        case "response.output_text.delta":
            if let delta = payload["delta"]?.stringValue { text.append(delta) }
        case "response.output_item.done":
            if let item = payload["item"] { finishedItems.append(item) }
        case "response.created", "response.in_progress", "response.queued":
            if let response = payload["response"]?.objectValue { snapshot = response }
        case "response.completed", "response.incomplete":
            final = payload["response"] ?? partial
            return true
        case "response.failed":
            let error = payload["response"]?["error"]
            let message = error?["message"]?.stringValue ?? "no reason given"
            throw UpstreamError.badResponse(reason: "the response failed: \(context.secrets.excerpt(message, limit: 500))",
                                            upstreamError: error.map { $0.serialized() }.map { Data($0) })
        default:
            break
        }
        return false
    }
}
