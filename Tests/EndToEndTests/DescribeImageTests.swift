import Foundation
import JSONRPC
import Testing
import TestSupport

extension EndToEnd {
@Suite("chat.describeImage end to end")
struct DescribeImageTests {
    static let pngBytes: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + Array(repeating: 7, count: 64)
    static let jpegBytes: [UInt8] = [0xFF, 0xD8, 0xFF, 0xE0] + Array(repeating: 1, count: 32)

    /// Writes `bytes` to a new temporary file named `name` and returns its path.
    static func temporaryFile(_ name: String, _ bytes: [UInt8]) throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("switchboard-img-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let url = directory.appendingPathComponent(name)
        try Data(bytes).write(to: url)
        return url.path
    }

    @Test func aLocalImageIsSniffedInlinedAndDescribed() throws {
        let path = try Self.temporaryFile("photo.jpg", Self.pngBytes)  // a PNG despite its name
        let harness = try Harness(responses: [.chatCompletion("A small test pattern.")])
        let (response, _) = try harness.daemon.call("chat.describeImage", ["image": .string(path), "prompt": "What is it?", "detail": "low", "max_tokens": 50])
        try harness.finish()
        #expect(response["result"]?["text"] == "A small test pattern.")
        #expect(response["result"]?["completion"]?["object"] == "chat.completion")
        let body = try #require(harness.upstream.requests.first?.json)
        #expect(body["model"] == "gpt-4o")
        #expect(body["max_tokens"] == 50)
        let content = try #require(body["messages"]?[0]?["content"]?.arrayValue)
        #expect(content[0] == ["type": "text", "text": "What is it?"])
        let url = try #require(content[1]["image_url"]?["url"]?.stringValue)
        #expect(url == "data:image/png;base64," + Data(Self.pngBytes).base64EncodedString())
        #expect(content[1]["image_url"]?["detail"] == "low")
    }

    @Test func severalImagesFromPathsFileURLsAndWebURLs() throws {
        let jpeg = try Self.temporaryFile("a.bin", Self.jpegBytes)
        let harness = try Harness(responses: [.chatCompletion("Two images.")])
        let images: JSONValue = [.string("file://" + jpeg), "https://example.com/cat.png"]
        let (response, _) = try harness.daemon.call("chat.describeImage", ["images": images, "system": "Be brief."])
        try harness.finish()
        #expect(response["result"]?["text"] == "Two images.")
        let messages = try #require(harness.upstream.requests.first?.json?["messages"]?.arrayValue)
        #expect(messages[0] == ["role": "system", "content": "Be brief."])
        let content = try #require(messages[1]["content"]?.arrayValue)
        #expect(content[0]["text"] == "Describe this image.")
        #expect(content[1]["image_url"]?["url"]?.stringValue?.hasPrefix("data:image/jpeg;base64,") == true)
        #expect(content[2]["image_url"]?["url"] == "https://example.com/cat.png")
    }

    @Test func streamingDescriptionsSendDeltas() throws {
        let path = try Self.temporaryFile("p.png", Self.pngBytes)
        let harness = try Harness(responses: [.chatStream(["A ", "cat."])])
        let (response, before) = try harness.daemon.call("chat.describeImage", ["image": .string(path), "stream": true])
        try harness.finish()
        #expect(streamedText(before) == "A cat.")
        #expect(response["result"]?["text"] == "A cat.")
    }

    @Test func fileProblemsNameThePathAndReason() throws {
        let text = try Self.temporaryFile("notes.png", Array("just text".utf8))
        let big = try Self.temporaryFile("big.png", Self.pngBytes + Array(repeating: 0, count: 4096))
        let harness = try Harness(responses: [])
        _ = try harness.daemon.call("config.update", ["max_file_bytes": 1024])
        let cases: [(String, String)] = [("/nonexistent/picture.png", "not_found"), (text, "unsupported_type"),
                                         (big, "too_large"), (FileManager.default.temporaryDirectory.path, "unreadable")]
        for (index, (path, reason)) in cases.enumerated() {
            let (response, _) = try harness.daemon.call("chat.describeImage", ["image": .string(path)], id: .number(index + 2))
            #expect(response.errorCode == -32006, "\(path)")
            #expect(response["error"]?["data"]?["reason"] == .string(reason), "\(path)")
            #expect(response["error"]?["data"]?["path"] == .string(path))
            #expect(response["error"]?["message"]?.stringValue?.contains(path) == true)
        }
        let (missing, _) = try harness.daemon.call("chat.describeImage", ["prompt": "no image"], id: 99)
        #expect(missing.errorCode == -32602)
        try harness.finish()
        #expect(harness.upstream.requests.isEmpty)
    }

    @Test func localImagePartsInChatCompleteAreInlined() throws {
        let path = try Self.temporaryFile("inline.png", Self.pngBytes)
        let harness = try Harness(responses: [.chatCompletion("seen")])
        let messages: JSONValue = [["role": "user", "content": [["type": "text", "text": "look"], ["type": "image_url", "image_url": ["url": .string(path)]]]]]
        let (response, _) = try harness.daemon.call("chat.complete", ["messages": messages])
        try harness.finish()
        #expect(response.answer == "seen")
        let url = harness.upstream.requests.first?.json?["messages"]?[0]?["content"]?[1]?["image_url"]?["url"]?.stringValue
        #expect(url?.hasPrefix("data:image/png;base64,") == true)
    }
}
}
