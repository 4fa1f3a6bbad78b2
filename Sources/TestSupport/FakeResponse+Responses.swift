public import JSONRPC

/// Canned Responses API and legacy completion answers shaped like the OpenAI API's.
extension FakeResponse {
    /// A chunked `text/event-stream` of named events: `event: <name>` then `data: <payload>` for
    /// each, the way the Responses API streams (no `[DONE]`).
    public static func namedSSE(_ events: [(name: String, payload: JSONValue)], delay: Double = 0) -> FakeResponse {
        var steps: [Step] = []
        for (index, event) in events.enumerated() {
            if index > 0 && delay > 0 { steps.append(.sleep(delay)) }
            steps.append(.send(Array("event: \(event.name)\ndata: \(event.payload.jsonText)\n\n".utf8)))
        }
        return FakeResponse(headers: [("Content-Type", "text/event-stream"), ("Cache-Control", "no-cache")], steps: steps, chunked: true)
    }

    /// A finished Responses API `response` object whose one output message says `text`.
    public static func responseObject(_ text: String, id: String = "resp_test", model: String = "gpt-5-mini",
                                      status: String = "completed") -> JSONValue {
        [
            "id": .string(id), "object": "response", "created_at": 1_700_000_000, "status": .string(status), "error": .null,
            "model": .string(model),
            "output": [["type": "message", "id": "msg_test", "status": "completed", "role": "assistant",
                        "content": [["type": "output_text", "text": .string(text), "annotations": []]]]],
            "usage": ["input_tokens": .number(cannedPromptTokens), "output_tokens": 3, "total_tokens": .number(cannedPromptTokens + 3)],
        ]
    }

    /// The events the Responses API streams for an answer made of `pieces`, in its order:
    /// created, in_progress, output item and content part added, one `response.output_text.delta`
    /// per piece, the text, part and item done, then `response.completed` (left out when
    /// `complete` is false), each with its `sequence_number`.
    public static func responsesEvents(_ pieces: [String], id: String = "resp_test", model: String = "gpt-5-mini",
                                       complete: Bool = true) -> [(name: String, payload: JSONValue)] {
        let text = pieces.joined()
        var inProgress = responseObject("", id: id, model: model, status: "in_progress")
        inProgress["output"] = []
        inProgress["usage"] = .null
        let item: JSONValue = ["type": "message", "id": "msg_test", "status": "completed", "role": "assistant",
                               "content": [["type": "output_text", "text": .string(text), "annotations": []]]]
        let part: JSONValue = ["type": "output_text", "text": "", "annotations": []]
        var events: [(String, JSONObject)] = [
            ("response.created", ["response": inProgress]),
            ("response.in_progress", ["response": inProgress]),
            ("response.output_item.added", ["output_index": 0, "item": ["type": "message", "id": "msg_test", "status": "in_progress",
                                                                         "role": "assistant", "content": []]]),
            ("response.content_part.added", ["item_id": "msg_test", "output_index": 0, "content_index": 0, "part": part]),
        ]
        for piece in pieces {
            events.append(("response.output_text.delta", ["item_id": "msg_test", "output_index": 0, "content_index": 0, "delta": .string(piece)]))
        }
        events += [
            ("response.output_text.done", ["item_id": "msg_test", "output_index": 0, "content_index": 0, "text": .string(text)]),
            ("response.content_part.done", ["item_id": "msg_test", "output_index": 0, "content_index": 0,
                                            "part": ["type": "output_text", "text": .string(text), "annotations": []]]),
            ("response.output_item.done", ["output_index": 0, "item": item]),
        ]
        if complete { events.append(("response.completed", ["response": responseObject(text, id: id, model: model)])) }
        return events.enumerated().map { number, event in
            var payload: JSONObject = ["type": .string(event.0)]
            for (key, value) in event.1 { payload[key] = value }
            payload["sequence_number"] = .number(number)
            return (event.0, .object(payload))
        }
    }

    /// A streamed Responses API answer (see `responsesEvents`), `delay` seconds between events.
    public static func responsesStream(_ pieces: [String], id: String = "resp_test", model: String = "gpt-5-mini",
                                       complete: Bool = true, delay: Double = 0) -> FakeResponse {
        namedSSE(responsesEvents(pieces, id: id, model: model, complete: complete), delay: delay)
    }

    /// A legacy `text_completion` whose one choice is `text`.
    public static func textCompletion(_ text: String, model: String = "qwen2.5-coder") -> FakeResponse {
        json(["id": "cmpl-test", "object": "text_completion", "created": 1_700_000_000, "model": .string(model),
              "choices": [["text": .string(text), "index": 0, "logprobs": .null, "finish_reason": "stop"]],
              "usage": ["prompt_tokens": .number(cannedPromptTokens), "completion_tokens": 2, "total_tokens": .number(cannedPromptTokens + 2)]])
    }

    /// A streamed legacy completion: one chunk per piece (`finish_reason` null), a finish chunk
    /// (empty text, "stop"), a usage chunk (`choices: []`), then `[DONE]` when `done`.
    public static func completionStream(_ pieces: [String], model: String = "qwen2.5-coder", done: Bool = true, delay: Double = 0) -> FakeResponse {
        func chunk(_ choices: [JSONValue], usage: JSONValue? = nil) -> String {
            var chunk: JSONObject = ["id": "cmpl-test", "object": "text_completion", "created": 1_700_000_000, "model": .string(model),
                                     "choices": .array(choices)]
            if let usage { chunk["usage"] = usage }
            return JSONValue.object(chunk).jsonText
        }
        var payloads = pieces.map { chunk([["text": .string($0), "index": 0, "logprobs": .null, "finish_reason": .null]]) }
        payloads.append(chunk([["text": "", "index": 0, "logprobs": .null, "finish_reason": "stop"]]))
        payloads.append(chunk([], usage: ["prompt_tokens": .number(cannedPromptTokens), "completion_tokens": .number(pieces.count),
                                          "total_tokens": .number(cannedPromptTokens + pieces.count)]))
        return sse(payloads, done: done, delay: delay)
    }
}
