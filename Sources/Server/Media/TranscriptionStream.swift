import JSONRPC
import Upstream

/// A streamed transcription (`audio.transcribe` with `stream: true`, which gpt-4o-transcribe and
/// its kin answer with server-sent events): every event relayed in order as an `audio.delta`
/// notification `{request_id, type, delta, event}` (`delta` the new text of a
/// `transcript.text.delta` event, `""` for other events), and the result is the final
/// `transcript.text.done` event without its `type`: `{text, logprobs?, usage?}`, as a
/// non-streamed answer has it. Error events end the request with -32004; the partial result is
/// `{text}`, the text so far.
struct TranscriptionStream: StreamHandler {
    let context: RequestContext
    private var text = ""
    private var final: JSONObject?

    init(context: RequestContext) {
        self.context = context
    }

    var terminator: String { "transcript.text.done" }
    var isComplete: Bool { final != nil }
    var partial: JSONValue? { text.isEmpty ? nil : ["text": .string(text)] }
    func result() -> JSONValue { final.map(JSONValue.object) ?? ["text": .string(text)] }

    mutating func handle(_ event: SSEEvent, payload: JSONValue) throws -> Bool {
        let type = payload["type"]?.stringValue ?? event.event
        let delta = type == "transcript.text.delta" ? payload["delta"]?.stringValue ?? "" : ""
        context.notify("audio.delta", .object(JSONObject([("request_id", context.id.json), ("type", .string(type)), ("delta", .string(delta)),
                                                          ("event", payload)])))
        if let failure = StreamRelay.failure(in: event, payload: payload, secrets: context.secrets) { throw failure }
        text += delta
        guard type == terminator else { return false }
        var done = payload.objectValue ?? JSONObject()
        done["type"] = nil
        if done["text"] == nil { done["text"] = .string(text) }
        final = done
        return true
    }
}
