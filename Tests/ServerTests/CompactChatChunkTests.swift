import JSONRPC
@testable import Server
import Testing

/// The common chunk shape is read without a tree exactly when the general path would take it as
/// a content delta; every other shape is left to the general path.
struct CompactChatChunkTests {
    static func read(_ text: String) -> (chunk: CompactChatChunk?, others: String) {
        var others: [UInt8] = []
        let chunk = Array(text.utf8).withUnsafeBufferPointer { CompactChatChunk.read($0, others: &others) }
        return (chunk, String(decoding: others, as: UTF8.self))
    }

    @Test(arguments: [
        // OpenAI's order, with logprobs
        (#"{"id":"c1","object":"chat.completion.chunk","created":1,"model":"m","system_fingerprint":"fp","choices":[{"index":0,"delta":{"content":"Hi"},"logprobs":null,"finish_reason":null}]}"#, 0, "Hi"),
        // choices first, as llama.cpp sends them, and a second choice's index
        (#"{"choices":[{"finish_reason":null,"index":2,"delta":{"content":" there"}}],"created":1,"id":"c1","model":"m","object":"chat.completion.chunk"}"#, 2, " there"),
        // escapes and non-ASCII, as JSONParser decodes them
        (#"{"id":"c1","choices":[{"index":0,"delta":{"content":"a \"q\" \\ \n \u00e9 \ud83d\ude00 é \/"}}]}"#, 0, "a \"q\" \\ \n é 😀 é /"),
        // whitespace between tokens
        (#"{ "id" : "c1" , "choices" : [ { "index" : 0 , "delta" : { "content" : "x" } } ] }"#, 0, "x"),
        // no index: the first choice
        (#"{"choices":[{"delta":{"content":""}}]}"#, 0, ""),
    ])
    func theCommonShapeIsRead(_ text: String, _ index: Int, _ content: String) throws {
        let (chunk, _) = Self.read(text)
        let read = try #require(chunk)
        #expect(read.index == index)
        #expect(read.content == content)
        // what the general path takes from the same chunk
        let parsed = try JSONParser.parse(text)
        #expect(parsed["choices"]?[0]?["delta"]?["content"]?.stringValue == content)
        #expect(parsed["choices"]?[0]?["delta"] == ["content": .string(content)])
    }

    @Test(arguments: [
        #"{"id":"c1","choices":[{"index":0,"delta":{"role":"assistant","content":""}}]}"#,
        #"{"id":"c1","choices":[{"index":0,"delta":{"content":"a","refusal":null}}]}"#,
        #"{"id":"c1","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{"}}]}}]}"#,
        #"{"id":"c1","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}"#,
        #"{"id":"c1","choices":[{"index":0,"delta":{"content":"a"},"logprobs":{"content":[]}}]}"#,
        #"{"id":"c1","choices":[],"usage":{"prompt_tokens":1}}"#,
        #"{"id":"c1","choices":[{"index":0,"delta":{"content":"a"}},{"index":1,"delta":{"content":"b"}}]}"#,
        #"{"id":"c1","usage":{"total_tokens":3},"choices":[{"index":0,"delta":{"content":"a"}}]}"#,
        #"{"id":"c1","choices":[{"index":1.0,"delta":{"content":"a"}}]}"#,
        #"{"id":"c1","choices":[{"index":-1,"delta":{"content":"a"}}]}"#,
        #"{"id":"c1","choices":[{"index":0,"delta":{"content":5}}]}"#,
        #"{"id":"c1","choices":[{"index":0,"delta":{"content":"a"}}]} x"#,
        #"{"id":"c1","choices":[{"index":0,"delta":{"content":"a"}}]"#,
        "{\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"a\u{01}\"}}]}",
        #"{"id":"c1","choices":[{"index":0,"delta":{"content":"a\x"}}]}"#,
        #"{"error":{"message":"boom"}}"#,
        #"{"choices":[{"index":0,"delta":{"content":"a"}}],"choices":[{"index":0,"delta":{"content":"b"}}]}"#,
        #"[1,2]"#,
        "",
        // Names that only begin like the ones the shape allows.
        #"{"id":"c1","choices":[{"index":0,"delta":{"contents":"a"}}]}"#,
        #"{"id":"c1","choices":[{"index":0,"delta":{"conten":"a"}}]}"#,
        #"{"id":"c1","choices":[{"index":0,"delta":{"content":"a"},"finish_reasons":null}]}"#,
        #"{"id":"c1","choices":[{"indexes":0,"delta":{"content":"a"}}]}"#,
    ])
    func everyOtherShapeIsLeftToTheGeneralPath(_ text: String) {
        #expect(Self.read(text).chunk == nil, "\(text)")
    }

    @Test func invalidUTF8InTheTextIsLeftToTheGeneralPath() {
        var bytes = Array(#"{"choices":[{"index":0,"delta":{"content":"a"#.utf8)
        bytes += [0xC3, 0x28]
        bytes += Array(#""}}]}"#.utf8)
        var others: [UInt8] = []
        #expect(bytes.withUnsafeBufferPointer { CompactChatChunk.read($0, others: &others) } == nil)
        #expect(throws: JSONParseError.self) { try JSONParser.parse(bytes) }
    }

    @Test func theOtherMembersAreCollectedAsTheyCame() {
        let first = Self.read(#"{"id":"c1","created":17,"choices":[{"index":0,"delta":{"content":"a"}}],"model":"m"}"#)
        let same = Self.read(#"{"id":"c1","created":17,"choices":[{"index":0,"delta":{"content":"bcd"}}],"model":"m"}"#)
        let changed = Self.read(#"{"id":"c1","created":17,"choices":[{"index":0,"delta":{"content":"a"}}],"model":"m2"}"#)
        #expect(first.others == same.others)
        #expect(first.others != changed.others)
        #expect(first.others.contains("\"m\""))
    }
}

extension CompactChatChunk: Equatable {
    static func == (lhs: CompactChatChunk, rhs: CompactChatChunk) -> Bool {
        lhs.index == rhs.index && lhs.content == rhs.content
    }
}
