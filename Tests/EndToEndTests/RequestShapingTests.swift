import Foundation
import JSONRPC
import Testing
import TestSupport

extension EndToEnd {
@Suite("local attachments, chat.analyzeFile passthrough, embedding_model and stream_usage end to end")
struct RequestShapingTests {
    static let pdf = Array("%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n".utf8)
    static let wav = Array("RIFF\u{24}\u{0}\u{0}\u{0}WAVEfmt ".utf8) + Array(repeating: 0, count: 40)

    @Test func localAudioAndDocumentPartsAreInlined() throws {
        let folder = try MediaFixtures.directory()
        let audio = try MediaFixtures.file("question.wav", Self.wav, in: folder)
        let mp3 = try MediaFixtures.file("talk.mp3", MediaFixtures.mp3, in: folder)
        let report = try MediaFixtures.file("report.pdf", Self.pdf, in: folder)
        let harness = try Harness(responses: [.chatCompletion("It says hello.")])
        let base64Audio = Data(MediaFixtures.mp3.prefix(30)).base64EncodedString()
        let messages: JSONValue = [["role": "user", "content": [
            ["type": "text", "text": "What do these say?"],
            ["type": "input_audio", "input_audio": ["data": .string(audio)]],
            ["type": "input_audio", "input_audio": ["data": .string("file://" + mp3), "format": "mp3"]],
            ["type": "input_audio", "input_audio": ["data": .string(base64Audio), "format": "mp3"]],
            ["type": "file", "file": ["file_data": .string(report)]],
            ["type": "file", "file": ["file_data": .string(report), "filename": "q3.pdf"]],
            ["type": "file", "file": ["file_id": "file-abc"]],
        ]]]
        let (response, _) = try harness.daemon.call("chat.complete", ["model": "gpt-4o-audio-preview", "messages": messages])
        try harness.finish()
        #expect(response.answer == "It says hello.")
        let parts = try #require(harness.upstream.requests.first?.json?["messages"]?[0]?["content"]?.arrayValue)
        #expect(parts[1] == ["type": "input_audio", "input_audio": ["data": .string(Data(Self.wav).base64EncodedString()), "format": "wav"]])
        let mp3Inlined = parts[2] == ["type": "input_audio", "input_audio": ["data": .string(Data(MediaFixtures.mp3).base64EncodedString()), "format": "mp3"]]
        #expect(mp3Inlined)
        #expect(parts[3] == messages[0]?["content"]?[3], "base64 data is left as it is")
        let pdfURL = "data:application/pdf;base64," + Data(Self.pdf).base64EncodedString()
        #expect(parts[4] == ["type": "file", "file": ["file_data": .string(pdfURL), "filename": "report.pdf"]])
        #expect(parts[5] == ["type": "file", "file": ["file_data": .string(pdfURL), "filename": "q3.pdf"]])
        #expect(parts[6] == ["type": "file", "file": ["file_id": "file-abc"]])
    }

    @Test func localFilePartsInResponsesInputAreInlined() throws {
        let report = try MediaFixtures.file("report.pdf", Self.pdf)
        let harness = try Harness(responses: [.json(FakeResponse.responseObject("A report."))])
        let input: JSONValue = [["role": "user", "content": [["type": "input_file", "file_data": .string(report)],
                                                             ["type": "input_text", "text": "Summarise"]]]]
        _ = try harness.daemon.call("responses.create", ["input": input])
        try harness.finish()
        let part = harness.upstream.requests.first?.json?["input"]?[0]?["content"]?[0]
        #expect(part == ["type": "input_file", "file_data": .string("data:application/pdf;base64," + Data(Self.pdf).base64EncodedString()),
                         "filename": "report.pdf"])
    }

    @Test func emptyOrBadAttachmentsAreExplainedBeforeAnythingIsSent() throws {
        let folder = try MediaFixtures.directory()
        let text = try MediaFixtures.file("notes.txt", Array("not audio".utf8), in: folder)
        let harness = try Harness(responses: [])
        func message(_ part: JSONValue) -> JSONValue { [["role": "user", "content": [["type": "text", "text": "?"], part]]] }
        let cases: [(JSONValue, Int, String)] = [
            (message(["type": "image_url", "image_url": ["url": ""]]), -32602, "messages.0.content.1.image_url.url"),
            (message(["type": "file", "file": ["file_data": " "]]), -32602, "messages.0.content.1.file.file_data"),
            (message(["type": "input_audio", "input_audio": ["data": .string(text)]]), -32006, "messages.0.content.1.input_audio.data"),
            (message(["type": "input_audio", "input_audio": ["data": .string(folder + "/gone.wav")]]), -32006, "messages.0.content.1.input_audio.data"),
        ]
        for (index, (messages, code, field)) in cases.enumerated() {
            let (response, _) = try harness.daemon.call("chat.complete", ["messages": messages], id: .number(index + 1))
            #expect(response.errorCode == code, "\(messages)")
            #expect(response["error"]?["data"]?["field"] == .string(field))
        }
        let (described, _) = try harness.daemon.call("chat.describeImage", ["image": ""], id: 9)
        try harness.finish()
        #expect(described.errorCode == -32602)
        #expect(described["error"]?["message"]?.stringValue?.contains("is empty") == true)
        #expect(harness.upstream.requests.isEmpty)
    }

    @Test func analyzeFilePassesItsOtherParamsThroughAndPutsTheSystemMessageFirst() throws {
        let harness = try Harness(responses: [.chatCompletion("Three bullets.")])
        let (response, _) = try harness.daemon.call("chat.analyzeFile", ["file_url": "https://example.com/report.pdf", "question": "Summarise it",
                                                                         "system": "Answer in French.", "temperature": 0.2, "max_tokens": 300,
                                                                         "x_vendor": ["a": 1]])
        let (refused, _) = try harness.daemon.call("chat.analyzeFile", ["file_url": "https://example.com/a.pdf", "question": "?",
                                                                        "messages": []], id: 2)
        try harness.finish()
        #expect(response.answer == "Three bullets.")
        #expect(refused["error"]?["data"]?["field"] == "messages")
        #expect(harness.upstream.requests.count == 1)
        #expect(harness.upstream.requests.first?.json == ["model": "gpt-4o-all", "temperature": 0.2, "max_tokens": 300, "x_vendor": ["a": 1],
                                                          "messages": [["role": "system", "content": "Answer in French."],
                                                                       ["role": "user", "content": "https://example.com/report.pdf Summarise it"]]])
    }

    @Test func theEmbeddingModelIsAConfigField() throws {
        let list: JSONValue = ["object": "list", "data": [], "model": "m", "usage": ["prompt_tokens": 1, "total_tokens": 1]]
        let harness = try Harness(responses: [.json(list), .json(list), .json(list)])
        _ = try harness.daemon.call("embeddings.create", ["input": "a"])
        _ = try harness.daemon.call("config.update", ["profiles": ["local": ["embedding_model": "nomic-embed-text"]]], id: 2)
        _ = try harness.daemon.call("embeddings.create", ["input": "b", "profile": "local"], id: 3)
        _ = try harness.daemon.call("embeddings.create", ["input": "c", "model": "text-embedding-3-large", "profile": "local"], id: 4)
        let (view, _) = try harness.daemon.call("config.get", ["profile": "local"], id: 5)
        try harness.finish()
        #expect(harness.upstream.requests.map { $0.json?["model"] } == ["text-embedding-3-small", "nomic-embed-text", "text-embedding-3-large"])
        #expect(view["result"]?["embedding_model"] == "nomic-embed-text")
    }

    @Test func streamUsageFalseLeavesStreamOptionsOut() throws {
        let harness = try Harness(responses: [.chatStream(["Hi"]), .chatStream(["Hi"]), .completionStream(["x"]), .chatStream(["Hi"])])
        _ = try harness.daemon.call("chat.complete", chatParams(stream: true))
        _ = try harness.daemon.call("config.update", ["profiles": ["strict": ["stream_usage": false]]], id: 2)
        _ = try harness.daemon.call("chat.complete", chatParams(stream: true, extra: ["profile": "strict"]), id: 3)
        _ = try harness.daemon.call("completions.create", ["prompt": "def", "stream": true, "profile": "strict"], id: 4)
        _ = try harness.daemon.call("chat.complete", chatParams(stream: true, extra: ["stream_options": ["include_usage": false]]), id: 5)
        try harness.finish()
        let options = harness.upstream.requests.map { $0.json?["stream_options"] }
        #expect(options == [["include_usage": true], nil, nil, ["include_usage": false]])
    }
}
}
