import Foundation
import JSONRPC
import Testing

/// `JSONParser`: the strict RFC 8259 reader every incoming message and upstream answer goes through.
struct JSONParserTests {
    // MARK: - Valid documents

    @Test(arguments: [
        ("null", JSONValue.null),
        ("true", .bool(true)),
        ("false", .bool(false)),
        ("42", .number(42)),
        ("\"text\"", .string("text")),
        ("\"\"", .string("")),
        ("[]", .array([])),
        ("{}", .object(JSONObject())),
        ("[1,\"a\",null,true,false,[],{}]", [1, "a", .null, true, false, [], .object(JSONObject())]),
        ("{\"a\":{\"b\":[{\"c\":null}]}}", ["a": ["b": [["c": .null]]]]),
        (" \t\r\n{ \"a\" : 1 ,\n\t\"b\" : [ true , false ] }\r\n ", ["a": 1, "b": [true, false]]),
    ] as [(String, JSONValue)])
    func parsesValidDocuments(text: String, expected: JSONValue) throws {
        #expect(try JSONParser.parse(text) == expected)
    }

    @Test func parsesFromAnyByteCollection() throws {
        let text = "{\"k\":[1,2]}"
        let expected: JSONValue = ["k": [1, 2]]
        let padded = Array("xx\(text)yy".utf8)
        #expect(try JSONParser.parse(Array(text.utf8)) == expected)
        #expect(try JSONParser.parse(Data(text.utf8)) == expected)
        #expect(try JSONParser.parse(padded[2..<padded.count - 2]) == expected)
        #expect(try JSONParser.parse(text.utf8.lazy.map { $0 }) == expected)
    }

    @Test func namesAByteOrderMark() {
        // The frame parser skips one before a message; a JSON text itself may not hold one.
        #expect {
            try JSONParser.parse("\u{FEFF}{\"a\":1}")
        } throws: { error in
            (error as? JSONParseError)?.description == "unexpected byte order mark (U+FEFF; write UTF-8 without one) at byte 0"
        }
    }

    // MARK: - Numbers

    @Test(arguments: [
        "0", "-0", "1.0", "-1.50", "1e400", "-1E-400", "2.5e+3", "0.000001",
        "12345678901234567890123456789", "9007199254740993", "-9223372036854775808",
    ])
    func numberLiteralIsKeptExactly(literal: String) throws {
        let value = try JSONParser.parse(literal)
        #expect(value.numberValue?.literal == literal)
        #expect(value.jsonText == literal)
        let nested = try JSONParser.parse("{\"n\":[\(literal)]}")
        #expect(nested.jsonText == "{\"n\":[\(literal)]}")
    }

    @Test func bigIntegersStayExactAsInts() throws {
        #expect(try JSONParser.parse("9007199254740993").intValue == 9_007_199_254_740_993)
        #expect(try JSONParser.parse("-9223372036854775808").intValue == Int.min)
        #expect(try JSONParser.parse("1.0").intValue == 1)
        #expect(try JSONParser.parse("1.5").intValue == nil)
    }

    @Test(arguments: ["01", "-01", "1.", ".5", "-", "+1", "1e", "1e+", "0x10", "NaN", "Infinity", "-Infinity", "1.e3", "--1"])
    func invalidNumbersAreRejected(text: String) {
        #expect(throws: JSONParseError.self) { try JSONParser.parse(text) }
    }

    // MARK: - Strings

    @Test(arguments: [
        (#""\"\\\/\b\f\n\r\t""#, "\"\\/\u{08}\u{0C}\n\r\t"),
        (#""caf\u00e9 \u00E9""#, "café é"),
        (#""\u0000\u001f""#, "\u{0}\u{1F}"),
        (#""\ud83d\ude00""#, "😀"),
        (#""\uD83D\uDE00!""#, "😀!"),
        (#""a\ud83db""#, "a\u{FFFD}b"),
        (#""\ud83d""#, "\u{FFFD}"),
        (#""\ude00""#, "\u{FFFD}"),
        (#""\ude00\ud83d""#, "\u{FFFD}\u{FFFD}"),
        (#""\ud83d\u0041""#, "\u{FFFD}A"),
        (#""\ud83d\ud83d\ude00""#, "\u{FFFD}😀"),
        ("\"héllo 😀 中文\"", "héllo 😀 中文"),
        ("\"x\\n héllo\"", "x\n héllo"),
    ] as [(String, String)])
    func stringEscapesAreDecoded(text: String, expected: String) throws {
        #expect(try JSONParser.parse(text) == .string(expected))
    }

    @Test(arguments: [#""\x""#, #""\u12""#, #""\u12G4""#, #""\"#, #""abc"#, #""\ud83d\u12""#, #""\'""#])
    func malformedEscapesAndUnterminatedStringsAreRejected(text: String) {
        #expect(throws: JSONParseError.self) { try JSONParser.parse(text) }
    }

    @Test(arguments: [
        [0xFF],                     // never valid in UTF-8
        [0xC3],                     // truncated two-byte sequence
        [0xC0, 0xAF],               // overlong encoding of "/"
        [0xED, 0xA0, 0x80],         // a surrogate encoded directly
        [0xF4, 0x90, 0x80, 0x80],   // above U+10FFFF
        [0x80],                     // lone continuation byte
    ] as [[UInt8]])
    func invalidUTF8IsRejected(bad: [UInt8]) {
        let quote = UInt8(ascii: "\"")
        let documents: [[UInt8]] = [
            [quote] + bad + [quote],                                            // plain string
            [quote, UInt8(ascii: "\\"), UInt8(ascii: "n")] + bad + [quote],     // string with escapes
            Array("{\"".utf8) + bad + Array("\":1}".utf8),                      // object key
        ]
        for document in documents {
            #expect(throws: JSONParseError.self, "\(document)") { try JSONParser.parse(document) }
        }
    }

    @Test(arguments: [0x00, 0x01, 0x09, 0x0A, 0x0D, 0x1F] as [UInt8])
    func rawControlCharactersInStringsAreRejected(control: UInt8) {
        let quote = UInt8(ascii: "\"")
        for document in [[quote, 0x61, control, quote], [quote, UInt8(ascii: "\\"), UInt8(ascii: "t"), control, quote]] {
            #expect(throws: JSONParseError.self, "\(document)") { try JSONParser.parse(document) }
        }
    }

    // MARK: - Invalid documents

    @Test(arguments: ["{} x", "1 2", "[1]]", "nullx", "truefalse", "{}{}", "\"a\"\"b\"", "[] ,"])
    func trailingGarbageIsRejected(text: String) throws {
        let error = try #require(throws: JSONParseError.self) { try JSONParser.parse(text) }
        #expect(error.reason.contains("after the JSON value"))
    }

    @Test(arguments: ["", "   ", "[1,]", "{\"a\":1,}", "{a:1}", "[", "{\"a\"}", "{\"a\" 1}", "'a'", "tru", "nul", "[1 2]", "{,}", "\u{FEFF}{}"])
    func malformedDocumentsAreRejected(text: String) {
        #expect(throws: JSONParseError.self) { try JSONParser.parse(text) }
    }

    @Test func errorReportsTheByteOffset() throws {
        let error = try #require(throws: JSONParseError.self) { try JSONParser.parse("[1, x]") }
        #expect(error.offset == 4)
        #expect(error.description.hasSuffix("at byte 4"))
    }

    // MARK: - Depth

    @Test func nestingUpToMaxDepthIsAccepted() throws {
        let depth = JSONParser.maxDepth
        let text = String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
        var value = try JSONParser.parse(text)
        var levels = 0
        while case .array(let inner) = value {
            levels += 1
            value = inner.first ?? .null
        }
        #expect(levels == depth)
    }

    @Test(arguments: [JSONParser.maxDepth + 1, 100_000])
    func nestingBeyondMaxDepthIsRefused(depth: Int) throws {
        for (open, close) in [("[", "]"), ("{\"k\":", "}")] {
            let text = String(repeating: open, count: depth) + "1" + String(repeating: close, count: depth)
            let error = try #require(throws: JSONParseError.self) { try JSONParser.parse(text) }
            #expect(error.reason.contains("nesting"))
        }
    }

    // MARK: - Objects

    @Test func keyOrderIsPreservedOnRoundTrip() throws {
        let text = #"{"zeta":1,"alpha":{"y":true,"b":null,"m":[3,{"q":1,"a":2}]},"mid":"x","1":0}"#
        let value = try JSONParser.parse(text)
        #expect(value.objectValue?.keys == ["zeta", "alpha", "mid", "1"])
        #expect(value["alpha"]?.objectValue?.keys == ["y", "b", "m"])
        #expect(value.jsonText == text)
    }

    @Test func duplicateKeysKeepTheLastValue() throws {
        let value = try JSONParser.parse(#"{"a":1,"b":2,"a":{"x":3}}"#)
        let object = try #require(value.objectValue)
        #expect(object.count == 2)
        #expect(object["a"] == ["x": 3])
        #expect(object["b"] == 2)
        #expect(value.jsonText == #"{"a":{"x":3},"b":2}"#)
    }

    @Test func objectEqualityIgnoresKeyOrder() throws {
        let forward = try JSONParser.parse(#"{"a":1,"b":[true],"c":{"x":1,"y":2}}"#)
        let backward = try JSONParser.parse(#"{"c":{"y":2,"x":1},"b":[true],"a":1}"#)
        #expect(forward == backward)
        #expect(forward.hashValue == backward.hashValue)
        #expect(forward.jsonText != backward.jsonText)
        #expect(forward != (try JSONParser.parse(#"{"a":1,"b":[true],"c":{"x":1,"y":3}}"#)))
        #expect(forward != (try JSONParser.parse(#"{"a":1,"b":[true]}"#)))
    }

    @Test func arrayEqualityRespectsOrder() throws {
        #expect(try JSONParser.parse("[1,2]") != JSONParser.parse("[2,1]"))
    }
}
