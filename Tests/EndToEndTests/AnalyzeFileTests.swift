import Foundation
import JSONRPC
import Testing
import TestSupport

extension EndToEnd {
@Suite("chat.analyzeFile end to end")
struct AnalyzeFileTests {
    @Test func theFileURLAndQuestionBecomeOneUserMessageForGPT4oAll() throws {
        let harness = try Harness(responses: [.chatCompletion("The report covers Q3 sales.", model: "gpt-4o-all")])
        let (response, before) = try harness.daemon.call("chat.analyzeFile", ["file_url": "https://files.example.com/report.pdf",
                                                                               "question": "What does it cover?"])
        try harness.finish()
        #expect(before.isEmpty)
        #expect(response.answer == "The report covers Q3 sales.")
        #expect(response["result"]?["object"] == "chat.completion")
        let request = try #require(harness.upstream.requests.first)
        #expect(request.path == "/v1/chat/completions")
        #expect(request.json == ["model": "gpt-4o-all", "messages": [["role": "user", "content": "https://files.example.com/report.pdf What does it cover?"]]])
    }

    @Test func streamingAndAnotherModelWorkAsInChatComplete() throws {
        let harness = try Harness(responses: [.chatStream(["It is ", "a CSV."], model: "gpt-4-all")])
        let (response, before) = try harness.daemon.call("chat.analyzeFile", ["file_url": "http://files.example.com/data.csv", "question": "What is it?",
                                                                               "model": "gpt-4-all", "stream": true])
        try harness.finish()
        #expect(streamedText(before) == "It is a CSV.")
        #expect(response.answer == "It is a CSV.")
        let body = try #require(harness.upstream.requests.first?.json)
        #expect(body == ["model": "gpt-4-all", "messages": [["role": "user", "content": "http://files.example.com/data.csv What is it?"]],
                         "stream": true, "stream_options": ["include_usage": true]])
    }

    @Test func missingParamsAndLocalPathsAreInvalidParams() throws {
        let harness = try Harness(responses: [])
        let (noQuestion, _) = try harness.daemon.call("chat.analyzeFile", ["file_url": "https://files.example.com/a.pdf"])
        let (noURL, _) = try harness.daemon.call("chat.analyzeFile", ["question": "?"], id: 2)
        let (local, _) = try harness.daemon.call("chat.analyzeFile", ["file_url": "/home/me/a.pdf", "question": "?"], id: 3)
        try harness.finish()
        #expect(noQuestion["error"]?["data"]?["field"] == "question")
        #expect(noURL["error"]?["data"]?["field"] == "file_url")
        #expect(local["error"]?["data"]?["field"] == "file_url")
        #expect(local["error"]?["message"]?.stringValue?.contains("http(s)") == true)
        #expect(harness.upstream.requests.isEmpty)
    }
}
}
