import JSONRPC
import Testing

/// Each step reads what is expected or says it is not there, without moving past what did not match.
struct JSONCursorTests {
    static func withCursor<T>(_ text: String, _ body: (inout JSONCursor) -> T) -> T {
        Array(text.utf8).withUnsafeBufferPointer { buffer in
            var cursor = JSONCursor(buffer)
            return body(&cursor)
        }
    }

    @Test func readsAnObjectStepByStep() {
        let text = #" { "a" : "x\ny" , "n" : 12 , "z" : null } "#
        let steps: [(inout JSONCursor) -> Bool] = [
            { $0.take(UInt8(ascii: "{")) },
            { $0.plainString().map { String(decoding: $0, as: UTF8.self) } == "a" }, { $0.take(UInt8(ascii: ":")) },
            { $0.string() == "x\ny" }, { $0.take(UInt8(ascii: ",")) },
            { $0.plainString().map { String(decoding: $0, as: UTF8.self) } == "n" }, { $0.take(UInt8(ascii: ":")) },
            { $0.integer() == 12 }, { $0.take(UInt8(ascii: ",")) },
            { $0.plainString() != nil }, { $0.take(UInt8(ascii: ":")) }, { $0.takeNull() },
            { !$0.atEnd() }, { $0.take(UInt8(ascii: "}")) }, { $0.atEnd() },
        ]
        let results = Self.withCursor(text) { cursor in steps.map { $0(&cursor) } }
        #expect(results == Array(repeating: true, count: steps.count))
    }

    @Test func aStringWithEscapesIsNotPlain() {
        Self.withCursor(#""a\"b""#) { cursor in let plain = cursor.plainString(); #expect(plain == nil) }
        Self.withCursor(#""a\"b""#) { cursor in let read = cursor.string(); #expect(read == "a\"b") }
    }

    @Test(arguments: ["1.5", "1e3", "-1", "99999999999999999999999", "x", "\"1\""])
    func integersAreWholeNonNegativeAndFit(_ text: String) {
        Self.withCursor(text) { cursor in let read = cursor.integer(); #expect(read == nil) }
    }

    @Test func invalidStringsAreRefused() {
        Self.withCursor(#""\x""#) { cursor in let read = cursor.string(); #expect(read == nil) }
        Self.withCursor("\"a\u{01}\"") { cursor in let read = cursor.string(); #expect(read == nil) }
        Self.withCursor("\"open") { cursor in let read = cursor.string(); #expect(read == nil) }
    }

    @Test func scalarsAreSkippedWithTheirRange() {
        let text = #"["a\"]b",-1.5e3,true,null,{"o":1}]"#
        let (ranges, stayed) = Self.withCursor(text) { cursor -> ([Range<Int>?], Bool) in
            _ = cursor.take(UInt8(ascii: "["))
            var ranges: [Range<Int>?] = []
            for _ in 0..<5 {
                ranges.append(cursor.skipScalar())
                _ = cursor.take(UInt8(ascii: ","))
            }
            return (ranges, cursor.take(UInt8(ascii: "{")))
        }
        #expect(ranges == [1..<8, 9..<15, 16..<20, 21..<25, nil], "an object is not a scalar")
        #expect(stayed, "the cursor stays before what it did not skip")
    }
}
