import JSONRPC
import Testing

/// `JSONValue.serialized()` / `jsonText`: the compact encoding every outgoing message is written in.
struct JSONSerializerTests {
    @Test(arguments: [
        ("plain", #""plain""#),
        ("say \"hi\"", #""say \"hi\"""#),
        ("back\\slash", #""back\\slash""#),
        ("line\nbreak\rreturn\ttab", #""line\nbreak\rreturn\ttab""#),
        ("\u{0}\u{1}\u{1F}", #""\u0000\u0001\u001f""#),
        ("\u{08}\u{0C}\u{0B}", #""\u0008\u000c\u000b""#),
        ("slash / stays", #""slash / stays""#),
        ("\u{7F} DEL is not a control for JSON", "\"\u{7F} DEL is not a control for JSON\""),
        ("héllo 中文 😀 \u{2028}\u{FFFD}", "\"héllo 中文 😀 \u{2028}\u{FFFD}\""),
        ("", #""""#),
        ("\"\"", #""\"\"""#),
        ("\nx\n", #""\nx\n""#),
        ("run\\\u{1}run", #""run\\\u0001run""#),
    ] as [(String, String)])
    func stringsAreEscapedMinimally(string: String, expected: String) {
        #expect(JSONValue.string(string).jsonText == expected)
        let asValue: JSONValue = ["k": .string(string)]
        let asKey: JSONValue = [string: .null]
        #expect(asValue.jsonText == "{\"k\":\(expected)}")
        #expect(asKey.jsonText == "{\(expected):null}")
    }

    @Test func outputIsCompactAndKeepsKeyOrder() {
        let value: JSONValue = ["z": [1, "a", .null, true, false, [], .object(JSONObject())], "a": ["y": 2, "b": -3]]
        let expected = #"{"z":[1,"a",null,true,false,[],{}],"a":{"y":2,"b":-3}}"#
        #expect(value.jsonText == expected)
        #expect(value.serialized() == Array(expected.utf8))
    }

    /// An object built from keys known to be distinct is the object built key by key, in order,
    /// small or past the size at which lookups use an index.
    @Test(arguments: [3, 20])
    func anObjectOfDistinctKeysIsTheSameObject(count: Int) {
        let pairs = (0..<count).map { ("key\($0)", JSONValue.number($0)) }
        let direct = JSONObject(distinctKeys: pairs)
        #expect(direct == JSONObject(pairs))
        #expect(direct.keys == pairs.map(\.0))
        #expect(direct["key\(count - 1)"] == .number(count - 1))
        #expect(JSONValue.object(direct).jsonText == JSONValue.object(JSONObject(pairs)).jsonText)
    }

    @Test func writeAppendsToExistingBytes() {
        var out = Array("prefix:".utf8)
        JSONValue.array([1, "x"]).write(into: &out)
        #expect(String(decoding: out, as: UTF8.self) == #"prefix:[1,"x"]"#)
    }

    @Test(arguments: [
        (2.0, "2"), (-0.0, "0"), (1.5, "1.5"), (-0.25, "-0.25"), (1e20, "1e+20"), (1e-7, "1e-07"),
        (.infinity, "0"), (.nan, "0"),
    ] as [(Double, String)])
    func numbersFromDoublesAreValidJSON(double: Double, literal: String) throws {
        let value = JSONValue.number(double)
        #expect(value.jsonText == literal)
        #expect(try JSONParser.parse(value.jsonText) == value)
    }

    @Test(arguments: [
        JSONValue.null, true, false, 0, -1, .number(Int.max), .number(Int.min), 0.5, "",
        "quotes \" and \\ and \u{0}\u{1F}\n\r\t", "unicode é 中 😀 \u{FEFF}",
        [], .object(JSONObject()),
        [1, [2, [3, [4, []]]]],
        ["": "empty key", "key with \"quotes\"": ["nested": [.null, true, 1.25]], "z": ["b": 1, "a": 2]],
        .object(JSONObject((0..<50).map { ("k\(49 - $0)", .number($0)) })),
    ] as [JSONValue])
    func parseOfSerializeIsIdentity(value: JSONValue) throws {
        let reparsed = try JSONParser.parse(value.serialized())
        #expect(reparsed == value)
        #expect(reparsed.jsonText == value.jsonText)
        #expect(reparsed.objectValue?.keys == value.objectValue?.keys)
    }
}
