import Testing
import JSONRPC
import MCPClient
@testable import Server

struct ToolNamesTests {
    @Test(arguments: [
        ("time", "get_current_time", "time__get_current_time"),
        ("git", "git.status", "git__git_status"),
        ("web", "fetch url/ü", "web__fetch_url___"),
    ])
    func mcpToolsAreOfferedAsServerAndToolWithOtherCharactersReplaced(server: String, tool: String, expected: String) {
        let name = ToolNames.offered(server: server, tool: tool)
        #expect(name == expected)
        #expect(ToolNames.isValid(name))
    }

    @Test func aLongNameIsCutTo64AndClashesGetNumberedSuffixes() {
        let long = ToolNames.offered(server: "server", tool: String(repeating: "x", count: 100))
        #expect(long.utf8.count == 64)
        let second = ToolNames.unique(long, taken: [long])
        #expect(second.utf8.count == 64 && second.hasSuffix("_2") && ToolNames.isValid(second))
        #expect(ToolNames.unique(long, taken: [long, second]).hasSuffix("_3"))
        #expect(ToolNames.unique("free", taken: [long]) == "free")
    }

    @Test(arguments: ["", "has space", "dot.name", String(repeating: "a", count: 65), "ünï"])
    func namesTheAPIRefusesAreInvalid(name: String) {
        #expect(!ToolNames.isValid(name))
    }
}

struct UsageTotalTests {
    @Test func numbersAreSummedMemberByMemberAndOtherValuesKeptFromTheLatest() {
        var total = UsageTotal()
        #expect(total.total == nil)
        total.add(["prompt_tokens": 10, "completion_tokens": 5, "prompt_tokens_details": ["cached_tokens": 2], "note": "a"])
        total.add(nil)
        total.add(["prompt_tokens": 30, "completion_tokens": 1.5, "prompt_tokens_details": ["cached_tokens": 8], "note": "b"])
        #expect(total.total?["prompt_tokens"] == 40)
        #expect(total.total?["completion_tokens"]?.doubleValue == 6.5)
        #expect(total.total?["prompt_tokens_details"]?["cached_tokens"] == 10)
        #expect(total.total?["note"] == "b")
    }
}

struct ToolOutputTests {
    @Test func outputOverTheLimitIsCutAtACharacterWithANote() {
        let text = String(repeating: "é", count: 10)  // 20 bytes
        let cut = ToolResultText.capped(text, limit: 7)
        #expect(cut == "ééé\n\n[output cut at 7 bytes: 14 more bytes were left out]", "3 whole characters (6 bytes), never half of one")
        #expect(ToolResultText.capped("short", limit: 7) == "short")
    }

    @Test func aClientsContentPartsBecomeTextAndImages() throws {
        let output = try ToolOutput(clientResult: ["content": [
            ["type": "text", "text": "one"], ["type": "text", "text": "two"],
            ["type": "image_url", "image_url": ["url": "data:image/png;base64,AAAA"]],
            ["type": "image_url", "image_url": ["url": "/etc/passwd"]],
        ], "is_error": true])
        #expect(output.isError)
        #expect(output.images == [["type": "image_url", "image_url": ["url": "data:image/png;base64,AAAA"]]])
        #expect(output.text.hasPrefix("one\n\ntwo\n\n[an image the client gave as \"/etc/passwd\" was left out"), "no file is read for it")
        #expect(throws: ResponseError.self) { try ToolOutput(clientResult: ["content": 5]) }
    }
}
