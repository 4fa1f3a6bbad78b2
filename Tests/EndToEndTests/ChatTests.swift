import Foundation
import JSONRPC
import Testing
import TestSupport

extension EndToEnd {
@Suite("chat.complete end to end")
struct ChatTests {
    @Test func nonStreamedChatPassesEveryFieldThroughAndReturnsTheUpstreamObject() throws {
        let harness = try Harness(responses: [.chatCompletion("Hello there")])
        let extra: JSONObject = ["temperature": 0.25, "x_vendor_field": ["keep": true], "seed": 9007199254740993, "profile": .null]
        let (response, before) = try harness.daemon.call("chat.complete", chatParams(extra: extra))
        #expect(before.isEmpty)
        #expect(response.answer == "Hello there")
        #expect(response["result"]?["usage"]?["total_tokens"] != nil)
        try harness.finish()

        let request = try #require(harness.upstream.requests.first)
        #expect(request.method == "POST")
        #expect(request.path == "/v1/chat/completions")
        #expect(request.header("authorization") == "Bearer \(testKey)")
        #expect(request.header("content-type")?.hasPrefix("application/json") == true)
        let body = try #require(request.json)
        #expect(body["temperature"]?.doubleValue == 0.25)
        #expect(body["x_vendor_field"] == ["keep": true])
        #expect(body["seed"]?.numberValue?.literal == "9007199254740993", "big integers pass through exactly")
        #expect(body["stream"] == nil)
        #expect(body["messages"] == [["role": "user", "content": "Hi"]])
    }

    @Test func defaultModelIsFilledInAndProfileIsNotForwarded() throws {
        let harness = try Harness(arguments: ["--model", "my-default"], responses: [.chatCompletion("ok")])
        let params: JSONValue = ["messages": [["role": "user", "content": "Hi"]]]
        _ = try harness.daemon.call("chat.complete", params)
        try harness.finish()
        let body = try #require(harness.upstream.requests.first?.json)
        #expect(body["model"] == "my-default")
        #expect(body["profile"] == nil)
    }

    @Test func streamingRelaysEveryDeltaInOrderAndReturnsTheAssembledCompletion() throws {
        let pieces = ["Hel", "lo", ", ", "wor", "ld", "!"]
        let harness = try Harness(responses: [.chatStream(pieces)])
        let (response, before) = try harness.daemon.call("chat.complete", chatParams(stream: true))
        try harness.finish()

        let deltas = before.filter { $0["method"] == "chat.delta" }
        #expect(deltas.count == before.count, "only chat.delta notifications precede the response")
        #expect(streamedText(before) == pieces.joined())
        #expect(deltas.first?["params"]?["delta"]?["role"] == "assistant")
        #expect(deltas.last?["params"]?["finish_reason"] == "stop")
        #expect(deltas.allSatisfy { $0["params"]?["index"] == 0 })
        #expect(response.answer == pieces.joined())
        #expect(response["result"]?["object"] == "chat.completion")
        #expect(response["result"]?["choices"]?[0]?["finish_reason"] == "stop")
        #expect(response["result"]?["usage"]?["total_tokens"] != nil, "usage from the include_usage chunk")

        let body = try #require(harness.upstream.requests.first?.json)
        #expect(body["stream"] == true)
        #expect(body["stream_options"]?["include_usage"] == true)
        #expect(harness.upstream.requests.first?.header("accept") == "text/event-stream")
    }

    @Test func streamedToolCallsAreMergedByIndex() throws {
        let chunks = [
            #"{"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"role":"assistant","content":null,"tool_calls":[{"index":0,"id":"call_a","type":"function","function":{"name":"get_weather","arguments":""}}]},"finish_reason":null}]}"#,
            #"{"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"tool_calls":[{"index":1,"id":"call_b","type":"function","function":{"name":"get_time","arguments":"{\"tz\":"}}]},"finish_reason":null}]}"#,
            #"{"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\"city\":\"Paris\"}"}}]},"finish_reason":null}]}"#,
            #"{"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"tool_calls":[{"index":1,"function":{"arguments":"\"UTC\"}"}}]},"finish_reason":null}]}"#,
            #"{"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]}"#,
        ]
        let harness = try Harness(responses: [.sse(chunks)])
        let (response, before) = try harness.daemon.call("chat.complete", chatParams(stream: true))
        try harness.finish()
        #expect(before.count == 5)
        let calls = try #require(response["result"]?["choices"]?[0]?["message"]?["tool_calls"]?.arrayValue)
        #expect(calls.count == 2)
        #expect(calls[0] == ["id": "call_a", "type": "function", "function": ["name": "get_weather", "arguments": #"{"city":"Paris"}"#]])
        #expect(calls[1] == ["id": "call_b", "type": "function", "function": ["name": "get_time", "arguments": #"{"tz":"UTC"}"#]])
        #expect(response["result"]?["choices"]?[0]?["finish_reason"] == "tool_calls")
    }

    @Test func aServerThatIgnoresStreamStillProducesADeltaAndTheResult() throws {
        let harness = try Harness(responses: [.chatCompletion("whole answer")])
        let (response, before) = try harness.daemon.call("chat.complete", chatParams(stream: true))
        try harness.finish()
        #expect(streamedText(before) == "whole answer")
        #expect(response.answer == "whole answer")
    }

    @Test func sixteenConcurrentStreamsArriveCompleteAndInOrder() throws {
        let streams = 24
        let harness = try Harness { request in
            let tag = request.json?["messages"]?[0]?["content"]?.stringValue ?? "?"
            return .chatStream((0..<40).map { "\(tag)-\($0);" }, delay: 0.002)
        }
        for id in 0..<streams {
            harness.daemon.send(["jsonrpc": "2.0", "id": .number(id), "method": "chat.complete", "params": chatParams("s\(id)", stream: true)])
        }
        let messages = try harness.finish()
        for id in 0..<streams {
            let expected = (0..<40).map { "s\(id)-\($0);" }.joined()
            #expect(streamedText(messages, id: .number(id)) == expected, "stream \(id)")
            let response = messages.first { $0["id"] == .number(id) }
            #expect(response?.answer == expected, "response \(id)")
            let responseIndex = messages.firstIndex { $0["id"] == .number(id) } ?? -1
            let lastDelta = messages.lastIndex { $0["params"]?["request_id"] == .number(id) } ?? Int.max
            #expect(lastDelta < responseIndex, "every delta of \(id) precedes its response")
        }
        #expect(harness.upstream.requests.count == streams)
    }

    @Test func endOfInputLetsAStreamingRequestFinish() throws {
        let harness = try Harness(responses: [.chatStream(["slow", " but", " complete"], delay: 0.1)])
        harness.daemon.send(["jsonrpc": "2.0", "id": 7, "method": "chat.complete", "params": chatParams(stream: true)])
        let messages = try harness.finish()
        #expect(streamedText(messages, id: 7) == "slow but complete")
        #expect(messages.last?["id"] == 7)
        #expect(messages.last?.answer == "slow but complete")
    }

    @Test func modelsListReturnsTheUpstreamList() throws {
        let list: JSONValue = ["object": "list", "data": [["id": "gpt-4o", "object": "model", "created": 1, "owned_by": "openai"]]]
        let harness = try Harness(responses: [.json(list)])
        let (response, _) = try harness.daemon.call("models.list")
        try harness.finish()
        #expect(response["result"] == list)
        #expect(harness.upstream.requests.first?.method == "GET")
        #expect(harness.upstream.requests.first?.path == "/v1/models")
    }
}
}
