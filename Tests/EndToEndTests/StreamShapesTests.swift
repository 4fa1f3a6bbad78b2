import Foundation
import JSONRPC
import Testing
import TestSupport

extension EndToEnd {
@Suite("lossless streams: a streamed chat.complete gives what the non-streamed one gives")
struct StreamShapesTests {
    /// One stream shape: the deltas a server sends, and the message its non-streamed answer holds.
    struct Shape: CustomTestStringConvertible, Sendable {
        let name: String
        let deltas: [JSONValue]
        let finishReason: JSONValue
        let message: JSONValue
        var testDescription: String { name }
    }

    static let shapes: [Shape] = [
        Shape(name: "gpt-4o-audio: audio transcript and data", deltas: [
            ["role": "assistant", "content": .null, "refusal": .null, "audio": ["id": "audio_6f1", "transcript": ""]],
            ["audio": ["transcript": "Hello"]], ["audio": ["transcript": " there."]],
            ["audio": ["id": "audio_6f1", "data": "UklGRiQAAABXQVZF"]], ["audio": ["data": "Zm10IBAAAAABAAEA"]],
            ["audio": ["expires_at": 1_729_018_505]],
        ], finishReason: "stop", message: [
            "role": "assistant", "content": .null, "refusal": .null,
            "audio": ["id": "audio_6f1", "transcript": "Hello there.", "data": "UklGRiQAAABXQVZFZm10IBAAAAABAAEA", "expires_at": 1_729_018_505],
        ]),
        Shape(name: "web search: content with annotations", deltas: [
            ["role": "assistant", "content": ""], ["content": "Paris has 2.1 million "], ["content": "inhabitants."],
            ["annotations": [["type": "url_citation", "url_citation": ["url": "https://insee.example/paris", "title": "INSEE",
                                                                       "start_index": 0, "end_index": 34]]]],
        ], finishReason: "stop", message: [
            "role": "assistant", "content": "Paris has 2.1 million inhabitants.",
            "annotations": [["type": "url_citation", "url_citation": ["url": "https://insee.example/paris", "title": "INSEE",
                                                                      "start_index": 0, "end_index": 34]]],
        ]),
        Shape(name: "legacy function_call", deltas: [
            ["role": "assistant", "content": .null, "function_call": ["name": "get_weather", "arguments": ""]],
            ["function_call": ["arguments": "{\"city\":"]], ["function_call": ["arguments": "\"Oslo\"}"]],
        ], finishReason: "function_call", message: [
            "role": "assistant", "content": .null, "function_call": ["name": "get_weather", "arguments": "{\"city\":\"Oslo\"}"],
        ]),
        Shape(name: "OpenRouter-style reasoning, and reasoning_content", deltas: [
            ["role": "assistant", "content": "", "reasoning": "The user "], ["reasoning": "wants a number.", "reasoning_content": "Think"],
            ["reasoning_content": "ing."], ["content": "42"],
        ], finishReason: "stop", message: [
            "role": "assistant", "content": "42", "reasoning": "The user wants a number.", "reasoning_content": "Thinking.",
        ]),
    ]

    static func chunk(_ delta: JSONValue, finishReason: JSONValue = .null) -> String {
        let chunk: JSONValue = ["id": "chatcmpl-s", "object": "chat.completion.chunk", "created": 1_700_000_000, "model": "gpt-4o-audio-preview",
                                "choices": [["index": 0, "delta": delta, "logprobs": .null, "finish_reason": finishReason]]]
        return chunk.jsonText
    }

    @Test(arguments: shapes)
    func theStreamedResultEqualsTheNonStreamedOne(_ shape: Shape) throws {
        let completion: JSONValue = [
            "id": "chatcmpl-s", "object": "chat.completion", "created": 1_700_000_000, "model": "gpt-4o-audio-preview",
            "choices": [["index": 0, "message": shape.message, "logprobs": .null, "finish_reason": shape.finishReason]],
        ]
        let stream = FakeResponse.sse(shape.deltas.map { Self.chunk($0) } + [Self.chunk([:], finishReason: shape.finishReason)])
        let harness = try Harness(responses: [stream, .json(completion)])
        let (streamed, deltas) = try harness.daemon.call("chat.complete", chatParams(stream: true))
        let (whole, _) = try harness.daemon.call("chat.complete", chatParams(), id: 2)
        try harness.finish()
        #expect(deltas.count == shape.deltas.count + 1, "one chat.delta per chunk")
        #expect(deltas.map { $0["params"]?["delta"] } == shape.deltas + [[:]], "each delta relayed unchanged")
        #expect(whole["result"] == completion)
        #expect(streamed["result"] == completion, "\(streamed.jsonText)")
    }

    /// Most chunks of an answer are read without a JSON tree (`CompactChatChunk`); mixed with
    /// chunks that are not, escaped text, and a member that changes on the way, the deltas and the
    /// result are what the general path gives.
    @Test func commonChunksAmongOthersGiveTheSameDeltasAndResult() throws {
        func chunk(_ delta: String, fingerprint: String = "fp_1") -> String {
            #"{"id":"chatcmpl-c","object":"chat.completion.chunk","created":1700000000,"model":"m","system_fingerprint":"\#(fingerprint)","choices":[{"index":0,"delta":\#(delta),"logprobs":null,"finish_reason":null}]}"#
        }
        let payloads = [
            chunk(#"{"role":"assistant","content":""}"#),
            chunk(#"{"content":"Say \"hi\""}"#),
            chunk(#"{"content":" \u00e9\ud83d\ude00\n"}"#),
            chunk(#"{"content":"\\\/"}"#),
            chunk(#"{"content":"[refused]","refusal":null}"#),  // not the common shape
            chunk(#"{"content":" after"}"#),
            chunk(#"{"content":" fp2"}"#, fingerprint: "fp_2"),  // a member changed: the general path
            chunk(#"{"content":"!"}"#, fingerprint: "fp_2"),
            #"{"id":"chatcmpl-c","object":"chat.completion.chunk","created":1700000000,"model":"m","system_fingerprint":"fp_2","choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}]}"#,
        ]
        let harness = try Harness(responses: [.sse(payloads)])
        let (response, deltas) = try harness.daemon.call("chat.complete", chatParams(stream: true))
        try harness.finish()
        let pieces = ["", "Say \"hi\"", " é😀\n", "\\/", "[refused]", " after", " fp2", "!"]
        let expected: [JSONValue?] = pieces.enumerated().map { position, piece in
            var delta: JSONObject = ["content": .string(piece)]
            if position == 0 { delta = ["role": "assistant", "content": ""] }
            if position == 4 { delta["refusal"] = .null }
            return ["request_id": 1, "index": 0, "delta": .object(delta), "finish_reason": .null]
        } + [["request_id": 1, "index": 0, "delta": [:], "finish_reason": "stop"]]
        #expect(deltas.map { $0["params"] } == expected)
        let result = try #require(response["result"])
        #expect(result["choices"]?[0]?["message"]?["content"]?.stringValue == pieces.joined())
        #expect(result["system_fingerprint"] == "fp_2")
        #expect(result["choices"]?[0]?["finish_reason"] == "stop")
    }

    @Test func aStreamCutShortKeepsTheAudioAndCitationsSoFarInThePartial() throws {
        let deltas: [JSONValue] = [
            ["role": "assistant", "audio": ["id": "audio_1", "transcript": "Half a sen"]],
            ["annotations": [["type": "url_citation", "url_citation": ["url": "https://a.example"]]]],
        ]
        let harness = try Harness(responses: [.sse(deltas.map { Self.chunk($0) }, done: false)])
        let (response, _) = try harness.daemon.call("chat.complete", chatParams(stream: true))
        try harness.finish()
        #expect(response.errorCode == -32004)
        let message = response["error"]?["data"]?["partial"]?["choices"]?[0]?["message"]
        #expect(message?["audio"] == ["id": "audio_1", "transcript": "Half a sen"])
        #expect(message?["annotations"] == [["type": "url_citation", "url_citation": ["url": "https://a.example"]]])
    }
}
}
