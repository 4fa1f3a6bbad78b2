import Foundation
import JSONRPC
import Testing
import TestSupport

/// Every tool called over the raw protocol in both eras, each conversation checked against MCP's
/// schemas (arguments against the tools' input schemas, structured results against their output
/// schemas).
extension EndToEnd {
@Suite("MCP: every tool, raw, in both eras")
struct MCPToolCallTests {
    @Test(arguments: [false, true])
    func everyToolAnswersAndConforms(modern: Bool) throws {
        let folder = try MediaFixtures.directory()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let png = try MediaFixtures.file("photo.png", MediaFixtures.png, in: folder)
        let mp3 = try MediaFixtures.file("memo.mp3", MediaFixtures.mp3, in: folder)
        let output = folder + "/out"
        let upstream = try MCPUpstream.start()
        let harness = try Harness(arguments: ["--mcp", "--output-dir", output, "--allow-read", folder], upstream: upstream)
        let opened = try MCPMessages.open(harness.daemon, modern: modern)
        #expect(opened["result"]?[modern ? "supportedVersions" : "protocolVersion"] == (modern ? ["2026-07-28"] : "2025-11-25"))
        harness.daemon.send(MCPMessages.request("list", "tools/list", modern: modern))
        let listed = try harness.daemon.response(to: "list").response
        #expect(listed["result"]?["tools"]?.arrayValue?.count == 9)
        #expect(listed["result"]?["ttlMs"] == (modern ? .number(3_600_000) : nil))
        let calls: [(String, JSONObject)] = [
            ("chat", ["prompt": "Hi", "system": "Be brief"]),
            ("describe_image", ["image": .string(png), "question": "What?", "detail": "low"]),
            ("generate_image", ["prompt": "a fox", "size": "256x256"]),
            ("edit_image", ["image": .string(png), "prompt": "add a hat"]),
            ("transcribe_audio", ["file": .string(mp3)]),
            ("text_to_speech", ["input": "Hello", "voice": "alloy", "response_format": "mp3"]),
            ("create_embeddings", ["input": "hello"]),
            ("midjourney", ["operation": "imagine", "prompt": "a fox", "poll_interval_seconds": 0.1]),
            ("list_models", [:]),
        ]
        for (index, (tool, arguments)) in calls.enumerated() {
            harness.daemon.send(MCPMessages.callTool(.number(index), tool, arguments, modern: modern))
            let response = try harness.daemon.response(to: .number(index)).response
            #expect(response["result"]?["isError"] == nil, "\(tool): \(response.jsonText.prefix(400))")
            #expect(response["result"]?["resultType"] == (modern ? "complete" : nil))
            #expect((response["result"]?["structuredContent"]) != nil, "\(tool) gives structured content")
        }
        try harness.finishMCP()
        let written = (try? FileManager.default.subpathsOfDirectory(atPath: output)) ?? []
        #expect(written.filter { $0.hasSuffix(".png") }.count == 2, "generate_image and edit_image saved one image each: \(written)")
        #expect(written.contains { $0.hasSuffix("speech.mp3") })
    }

    @Test func anOlderRevisionGetsOnlyWhatItDefines() throws {
        let harness = try Harness(arguments: ["--mcp", "--output-dir", try MediaFixtures.directory()], upstream: try MCPUpstream.start())
        let opened = try MCPMessages.open(harness.daemon, modern: false, version: "2024-11-05")
        #expect(opened["result"]?["protocolVersion"] == "2024-11-05")
        harness.daemon.send(MCPMessages.request("list", "tools/list", modern: false))
        let tools = try harness.daemon.response(to: "list").response["result"]?["tools"]?.arrayValue ?? []
        #expect(tools.allSatisfy { $0["outputSchema"] == nil && $0["annotations"] == nil && $0["title"] == nil })
        harness.daemon.send(MCPMessages.callTool(1, "text_to_speech", ["input": "Hi", "voice": "alloy"], modern: false))
        let result = try harness.daemon.response(to: 1).response["result"]
        let kinds = result?["content"]?.arrayValue?.compactMap { $0["type"]?.stringValue }
        #expect(kinds == ["text", "text", "resource"], "the file named in text instead of a resource_link in 2024-11-05, and its bytes embedded")
        #expect(result?["content"]?[1]?["text"]?.stringValue?.hasPrefix("Saved speech.mp3 (audio/mpeg, \(MediaFixtures.mp3.count) bytes): file://") == true)
        #expect(result?["structuredContent"] == nil)
        try harness.finishMCP()
    }
}
}
