import Foundation
import JSONRPC
import Testing
import TestSupport

extension EndToEnd {
@Suite("completions.create end to end")
struct CompletionsTests {
    static let fim: JSONValue = ["model": "qwen2.5-coder", "prompt": "def add(a, b):\n    ", "suffix": "\n\nprint(add(1, 2))\n",
                                 "max_tokens": 32, "temperature": 0]

    @Test func aFillInTheMiddleRequestIsPassedThroughBothWays() throws {
        let harness = try Harness(responses: [.textCompletion("return a + b")])
        var params = Self.fim
        params["x_vendor"] = ["cache_prompt": true]
        params["profile"] = .null
        let (response, before) = try harness.daemon.call("completions.create", params)
        try harness.finish()
        #expect(before.isEmpty)
        #expect(response["result"]?["choices"]?[0]?["text"] == "return a + b")
        #expect(response["result"]?["object"] == "text_completion")
        let request = try #require(harness.upstream.requests.first)
        #expect(request.method == "POST")
        #expect(request.path == "/v1/completions")
        var sent = Self.fim
        sent["x_vendor"] = ["cache_prompt": true]
        #expect(request.json == sent)
    }

    @Test func aStreamIsRelayedAsCompletionsDeltaAndAssembled() throws {
        let pieces = ["return", " a", " +", " b"]
        let harness = try Harness(responses: [.completionStream(pieces)])
        var params = Self.fim
        params["stream"] = true
        let (response, before) = try harness.daemon.call("completions.create", params)
        try harness.finish()
        #expect(before.allSatisfy { $0["method"] == "completions.delta" })
        #expect(before.map { $0["params"]?["text"]?.stringValue ?? "?" } == pieces + [""])
        #expect(before.map { $0["params"]?["finish_reason"] } == pieces.map { _ in .null } + ["stop"])
        #expect(before.first?["params"] == ["request_id": 1, "index": 0, "text": "return", "finish_reason": .null])
        #expect(response["result"] == [
            "id": "cmpl-test", "object": "text_completion", "created": 1_700_000_000, "model": "qwen2.5-coder",
            "choices": [["text": "return a + b", "index": 0, "logprobs": .null, "finish_reason": "stop"]],
            "usage": ["prompt_tokens": 10, "completion_tokens": 4, "total_tokens": 14],
        ])
        let body = try #require(harness.upstream.requests.first?.json)
        #expect(body["stream_options"] == ["include_usage": true])
        #expect(harness.upstream.requests.first?.header("accept") == "text/event-stream")
    }

    @Test func severalChoicesAndTheirLogprobsAreAssembledSeparately() throws {
        func chunk(_ choices: JSONValue) -> String {
            let chunk: JSONValue = ["id": "cmpl-2", "object": "text_completion", "created": 1, "model": "m", "choices": choices]
            return chunk.jsonText
        }
        let harness = try Harness(responses: [.sse([
            chunk([["index": 1, "text": "X", "logprobs": ["tokens": ["X"], "token_logprobs": [-0.5], "top_logprobs": [["X": -0.5]], "text_offset": [0]]],
                   ["index": 0, "text": "A", "logprobs": ["tokens": ["A"], "token_logprobs": [-0.1], "top_logprobs": [["A": -0.1]], "text_offset": [0]]]]),
            chunk([["index": 0, "text": "B", "logprobs": ["tokens": ["B"], "token_logprobs": [-0.2], "top_logprobs": [["B": -0.2]], "text_offset": [1]]]]),
            chunk([["index": 0, "text": "", "finish_reason": "length"], ["index": 1, "text": "", "finish_reason": "stop"]]),
        ])])
        let (response, before) = try harness.daemon.call("completions.create", ["prompt": "?", "n": 2, "logprobs": 1, "stream": true])
        try harness.finish()
        #expect(before.count == 5)
        let choices = try #require(response["result"]?["choices"]?.arrayValue)
        #expect(choices.map { $0["text"] } == ["AB", "X"])
        #expect(choices.map { $0["finish_reason"] } == ["length", "stop"])
        #expect(choices[0]["logprobs"] == ["tokens": ["A", "B"], "token_logprobs": [-0.1, -0.2], "top_logprobs": [["A": -0.1], ["B": -0.2]],
                                           "text_offset": [0, 1]])
    }

    @Test func aDroppedStreamFailsWithTheTextSoFar() throws {
        let harness = try Harness(responses: [.completionStream(["return", " a"], done: false).truncated(events: 2)])
        let (response, _) = try harness.daemon.call("completions.create", ["prompt": "def f():", "stream": true])
        try harness.finish()
        #expect(response.errorCode == -32004)
        #expect(response["error"]?["data"]?["partial"]?["choices"]?[0]?["text"] == "return a")
        #expect(response["error"]?["data"]?["partial"]?["object"] == "text_completion")
    }

    @Test func aServerThatIgnoresStreamStillSendsOneDelta() throws {
        let harness = try Harness(responses: [.textCompletion("whole")])
        let (response, before) = try harness.daemon.call("completions.create", ["prompt": "x", "stream": true])
        try harness.finish()
        #expect(before.map { $0["params"] } == [["request_id": 1, "index": 0, "text": "whole", "finish_reason": "stop"]])
        #expect(response["result"]?["choices"]?[0]?["text"] == "whole")
    }

    @Test func theModelDefaultsToDefaultModel() throws {
        let harness = try Harness(arguments: ["--model", "llama3.1"], responses: [.textCompletion("ok")])
        _ = try harness.daemon.call("completions.create", ["prompt": ["a", "b"]])
        try harness.finish()
        #expect(harness.upstream.requests.first?.json == ["prompt": ["a", "b"], "model": "llama3.1"])
    }

    static let badParams: [(params: JSONValue, field: String)] = [
        (["suffix": "x"], "prompt"), (["prompt": 3], "prompt"), (["prompt": ["a", 1]], "prompt.1"),
        (["prompt": "a", "suffix": 1], "suffix"), (["prompt": "a", "stream": "yes"], "stream"),
    ]

    @Test(arguments: badParams)
    func badParamsAreInvalidParams(params: JSONValue, field: String) throws {
        let harness = try Harness(responses: [])
        let (response, _) = try harness.daemon.call("completions.create", params)
        try harness.finish()
        #expect(response.errorCode == -32602)
        #expect(response["error"]?["data"]?["field"] == .string(field))
        #expect(harness.upstream.requests.isEmpty)
    }
}
}

extension FakeResponse {
    /// The first `events` sends of this response, then the connection is dropped.
    func truncated(events: Int) -> FakeResponse {
        var response = self
        response.steps = Array(steps.prefix(events)) + [.close]
        return response
    }
}
