import Foundation
import JSONRPC
import Testing
import TestSupport

extension EndToEnd {
@Suite("model-family rules in chat.complete end to end")
struct ModelRulesTests {
    static let conversation: JSONValue = [
        ["role": "system", "content": "Answer in French."],
        ["role": "user", "content": "Hi"],
    ]

    /// Sends one chat.complete and returns the body the upstream received.
    static func sentBody(_ params: JSONValue, arguments: [String] = [], config: JSONValue? = nil) throws -> JSONValue? {
        let harness = try Harness(arguments: arguments, responses: [.chatCompletion("Bonjour")])
        if let config { _ = try harness.daemon.call("config.update", config, id: 0) }
        let (response, _) = try harness.daemon.call("chat.complete", params)
        try harness.finish()
        #expect(response.answer == "Bonjour")
        return harness.upstream.requests.first?.json
    }

    @Test(arguments: ["o1", "openai/o1", "o1-2024-12-17", "o3-mini", "o3", "o4-mini"])
    func reasoningModelsGetMaxCompletionTokensAndTheDeveloperRole(model: String) throws {
        let body = try Self.sentBody(["model": .string(model), "max_tokens": 300, "messages": Self.conversation])
        #expect(body == ["model": .string(model), "max_completion_tokens": 300,
                         "messages": [["role": "developer", "content": "Answer in French."], ["role": "user", "content": "Hi"]]])
    }

    @Test func anExplicitMaxCompletionTokensWins() throws {
        let body = try Self.sentBody(["model": "o3-mini", "max_tokens": 300, "max_completion_tokens": 1000,
                                      "messages": [["role": "user", "content": "Hi"]], "reasoning_effort": "low"])
        #expect(body == ["model": "o3-mini", "max_completion_tokens": 1000, "messages": [["role": "user", "content": "Hi"]], "reasoning_effort": "low"])
    }

    @Test(arguments: ["o1-mini", "o1-preview", "o1-mini-2024-09-12", "openai/o1-preview"])
    func earlyO1ModelsGetTheSystemTextInTheFirstUserMessage(model: String) throws {
        let messages: JSONValue = [
            ["role": "system", "content": "Answer in French."],
            ["role": "developer", "content": [["type": "text", "text": "Be brief."]]],
            ["role": "user", "content": "Hi"],
            ["role": "assistant", "content": "Salut"],
            ["role": "user", "content": "Again"],
        ]
        let body = try Self.sentBody(["model": .string(model), "messages": messages])
        #expect(body?["messages"] == [
            ["role": "user", "content": "Answer in French.\n\nBe brief.\n\nHi"],
            ["role": "assistant", "content": "Salut"],
            ["role": "user", "content": "Again"],
        ])
    }

    @Test func theSystemTextGoesBeforeImagePartsAsATextPart() throws {
        let parts: JSONValue = [["type": "text", "text": "What is this?"], ["type": "image_url", "image_url": ["url": "https://example.com/a.png"]]]
        let body = try Self.sentBody(["model": "o1-mini", "messages": [["role": "system", "content": "Be brief."], ["role": "user", "content": parts]]])
        #expect(body?["messages"] == [["role": "user", "content": [["type": "text", "text": "Be brief."],
                                                                     ["type": "text", "text": "What is this?"],
                                                                     ["type": "image_url", "image_url": ["url": "https://example.com/a.png"]]]]])
    }

    @Test func aStreamForAModelThatCannotStreamIsSentWholeAndStillRelayedAsDeltas() throws {
        let harness = try Harness(responses: [.chatCompletion("Thought hard. 42.", model: "o1-preview")])
        let (response, before) = try harness.daemon.call("chat.complete", ["model": "o1-preview", "stream": true,
                                                                            "stream_options": ["include_usage": true],
                                                                            "messages": [["role": "user", "content": "Answer?"]]])
        try harness.finish()
        #expect(streamedText(before) == "Thought hard. 42.")
        #expect(before.last?["params"]?["finish_reason"] == "stop")
        #expect(response.answer == "Thought hard. 42.")
        let request = try #require(harness.upstream.requests.first)
        #expect(request.json == ["model": "o1-preview", "messages": [["role": "user", "content": "Answer?"]]])
        #expect(request.header("accept") == "application/json")
    }

    @Test func streamingReasoningModelsStillStream() throws {
        let harness = try Harness(responses: [.chatStream(["4", "2"], model: "o3-mini")])
        let (response, before) = try harness.daemon.call("chat.complete", ["model": "o3-mini", "stream": true, "messages": [["role": "user", "content": "?"]]])
        try harness.finish()
        #expect(streamedText(before) == "42")
        #expect(response.answer == "42")
        #expect(harness.upstream.requests.first?.json?["stream"] == true)
    }

    @Test(arguments: ["claude-3-5-sonnet-latest", "gemini-1.5-pro-latest", "gpt-4-gizmo-g-2fkFE8rbu", "gpt-4o-all", "gpt-4o", "llama3.1",
                      "gpt-4.1-mini", "gpt-5-chat-latest", "gpt-5.1-chat-latest", "azure/gpt-5-chat", "o1x", "gpt-50", "omni-moderation-latest"])
    func otherModelsAreOnlyNames(model: String) throws {
        let params: JSONValue = ["model": .string(model), "max_tokens": 300, "temperature": 0.3, "top_p": 0.9, "messages": Self.conversation]
        #expect(try Self.sentBody(params) == params)
    }

    @Test(arguments: ["gpt-5", "gpt-5-mini", "gpt-5-nano", "gpt-5-pro", "gpt-5-2025-08-07", "gpt-5-codex", "openai/gpt-5-mini", "azure/gpt-5",
                      "gpt-5.1", "gpt-5.2-codex", "GPT-5-Mini"])
    func gpt5ModelsAreReasoningModels(model: String) throws {
        let body = try Self.sentBody(["model": .string(model), "max_tokens": 300, "temperature": 0.3, "top_p": 0.5,
                                      "presence_penalty": 0.4, "frequency_penalty": -1, "seed": 7, "messages": Self.conversation])
        #expect(body == ["model": .string(model), "max_completion_tokens": 300, "seed": 7,
                         "messages": [["role": "developer", "content": "Answer in French."], ["role": "user", "content": "Hi"]]])
    }

    @Test func samplingParametersAtTheirDefaultsAreKept() throws {
        let body = try Self.sentBody(["model": "gpt-5-mini", "temperature": 1, "top_p": 1.0, "presence_penalty": 0, "frequency_penalty": 0,
                                      "messages": [["role": "user", "content": "Hi"]]])
        #expect(body == ["model": "gpt-5-mini", "temperature": 1, "top_p": 1.0, "presence_penalty": 0, "frequency_penalty": 0,
                         "messages": [["role": "user", "content": "Hi"]]])
    }

    @Test func gpt51WithoutReasoningTakesSamplingParameters() throws {
        let off = try Self.sentBody(["model": "gpt-5.1", "reasoning_effort": "none", "temperature": 0.2, "top_p": 0.9, "messages": Self.conversation])
        #expect(off?["temperature"] == 0.2)
        #expect(off?["top_p"] == 0.9)
        #expect(off?["messages"]?[0]?["role"] == "developer")
        let on = try Self.sentBody(["model": "gpt-5.1", "reasoning_effort": "low", "temperature": 0.2, "messages": Self.conversation])
        #expect(on?["temperature"] == nil)
        let gpt5 = try Self.sentBody(["model": "gpt-5", "reasoning_effort": "none", "temperature": 0.2, "messages": Self.conversation])
        #expect(gpt5?["temperature"] == nil, "gpt-5 itself always reasons")
    }

    @Test(arguments: ["o1-mini", "o1", "o3-mini", "azure/o3", "openai/o4-mini"])
    func oSeriesModelsLoseNonDefaultSamplingParameters(model: String) throws {
        let body = try Self.sentBody(["model": .string(model), "temperature": 0.7, "top_p": 0.9, "presence_penalty": 0.5, "frequency_penalty": 0.5,
                                      "messages": [["role": "user", "content": "Hi"]]])
        #expect(body == ["model": .string(model), "messages": [["role": "user", "content": "Hi"]]])
    }

    @Test func whatTheRulesDoNotKnowReachesTheUpstreamAndItsErrorTheUser() throws {
        let refusal = FakeResponse.error(status: 400, message: "logprobs are not supported with this model.", code: "unsupported_parameter")
        let harness = try Harness(responses: [refusal])
        let (response, _) = try harness.daemon.call("chat.complete", ["model": "gpt-5-mini", "logprobs": true, "messages": [["role": "user", "content": "Hi"]]])
        try harness.finish()
        #expect(harness.upstream.requests.first?.json?["logprobs"] == true)
        #expect(response.errorCode == -32001)
        #expect(response["error"]?["data"]?["error"] == ["message": "logprobs are not supported with this model.", "type": "invalid_request_error",
                                                           "param": .null, "code": "unsupported_parameter"])
    }

    @Test func describeImageFollowsTheRulesOfItsModel() throws {
        let harness = try Harness(responses: [.chatCompletion("A cat.")])
        let (response, _) = try harness.daemon.call("chat.describeImage", ["image": "https://example.com/cat.png", "model": "gpt-5-mini",
                                                                             "max_tokens": 50, "system": "Be brief."])
        try harness.finish()
        #expect(response["result"]?["text"] == "A cat.")
        let body = try #require(harness.upstream.requests.first?.json)
        #expect(body["max_completion_tokens"] == 50)
        #expect(body["max_tokens"] == nil)
        #expect(body["messages"]?[0]?["role"] == "developer")
    }

    @Test func theRequestParamTurnsTheRulesOffAndIsNotForwarded() throws {
        let body = try Self.sentBody(["model": "o1", "max_tokens": 300, "messages": Self.conversation, "model_rules": false])
        #expect(body == ["model": "o1", "max_tokens": 300, "messages": Self.conversation])
    }

    @Test func theConfigFieldTurnsTheRulesOffAndTheRequestParamBackOn() throws {
        let off = try Self.sentBody(["model": "o1", "max_tokens": 300, "messages": Self.conversation], config: ["model_rules": false])
        #expect(off == ["model": "o1", "max_tokens": 300, "messages": Self.conversation])
        let on = try Self.sentBody(["model": "o1", "max_tokens": 300, "messages": Self.conversation, "model_rules": true],
                                   config: ["model_rules": false])
        #expect(on?["max_completion_tokens"] == 300)
        #expect(on?["messages"]?[0]?["role"] == "developer")
    }

    @Test func aProfileCanTurnTheRulesOff() throws {
        let config: JSONValue = ["profiles": ["passthrough": ["model_rules": false]]]
        let body = try Self.sentBody(["model": "o1", "max_tokens": 300, "messages": Self.conversation, "profile": "passthrough"], config: config)
        #expect(body == ["model": "o1", "max_tokens": 300, "messages": Self.conversation])
    }

    @Test func badModelRulesValuesAreInvalidParams() throws {
        let harness = try Harness(responses: [])
        let (config, _) = try harness.daemon.call("config.update", ["model_rules": "no"])
        let (request, _) = try harness.daemon.call("chat.complete", ["model": "o1", "messages": Self.conversation, "model_rules": 0], id: 2)
        let (shown, _) = try harness.daemon.call("config.get", id: 3)
        try harness.finish()
        #expect(config["error"]?["data"]?["field"] == "model_rules")
        #expect(request["error"]?["data"]?["field"] == "model_rules")
        #expect(shown["result"]?["model_rules"] == true, "on by default")
        #expect(harness.upstream.requests.isEmpty)
    }
}
}
