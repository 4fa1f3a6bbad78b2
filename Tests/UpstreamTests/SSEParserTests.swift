import Primitives
import Testing
import Upstream

/// `SSEParser`: the incremental `text/event-stream` reader for streamed chat completions.
struct SSEParserTests {
    static func parse(_ pushes: [[UInt8]]) -> [SSEEvent] {
        var parser = SSEParser()
        var events: [SSEEvent] = []
        for push in pushes { events += parser.push(push) }
        return events + parser.finish()
    }

    static func parse(_ text: String) -> [SSEEvent] { parse([Array(text.utf8)]) }

    static let bom: [UInt8] = [0xEF, 0xBB, 0xBF]

    /// Streams as servers send them, each with a BOM in front, and the events they carry.
    static let realisticStreams: [(name: String, bytes: [UInt8], expected: [SSEEvent])] = [
        ("LF", bom + Array((
            ": keep-alive\n\n"
            + "data: {\"choices\":[{\"delta\":{\"role\":\"assistant\"}}]}\n\n"
            + "id: 1\ndata: {\"choices\":[{\"delta\":{\"content\":\"Héllo\"}}]}\n\n"
            + "event: ping\ndata:\n\n"
            + "data: {\"a\":1,\n"
            + "data: \"b\":2}\n\n"
            + "data: [DONE]\n\n").utf8),
         [SSEEvent(data: #"{"choices":[{"delta":{"role":"assistant"}}]}"#),
          SSEEvent(data: #"{"choices":[{"delta":{"content":"Héllo"}}]}"#, id: "1"),
          SSEEvent(event: "ping", data: "", id: "1"),
          SSEEvent(data: "{\"a\":1,\n\"b\":2}", id: "1"),
          SSEEvent(data: "[DONE]", id: "1")]),
        ("CRLF", bom + Array((
            ":\r\n\r\n"
            + "data: {\"x\":1}\r\n\r\n"
            + "event: error\r\ndata: {\"error\":{\"message\":\"overloaded\"}}\r\n\r\n"
            + "data: [DONE]\r\n\r\n").utf8),
         [SSEEvent(data: #"{"x":1}"#),
          SSEEvent(event: "error", data: #"{"error":{"message":"overloaded"}}"#),
          SSEEvent(data: "[DONE]")]),
        ("CR", bom + Array("data: one\rdata: two\r\rdata: [DONE]\r\r".utf8),
         [SSEEvent(data: "one\ntwo"), SSEEvent(data: "[DONE]")]),
    ]

    @Test(arguments: realisticStreams.indices)
    func splittingAtAnyByteGivesTheSameEvents(stream: Int) {
        let (name, bytes, expected) = Self.realisticStreams[stream]
        #expect(Self.parse([bytes]) == expected, "\(name) in one push")
        #expect(Self.parse(bytes.map { [$0] }) == expected, "\(name) one byte per push")
        for split in 0...bytes.count {
            #expect(Self.parse([Array(bytes[..<split]), Array(bytes[split...])]) == expected, "\(name) split at \(split)")
        }
    }

    @Test(arguments: [
        ("data: a\ndata: b\ndata:\ndata: c\n\n", [SSEEvent(data: "a\nb\n\nc")]),
        (": comment\n:another\ndata: x\n: between\n\n: after\n\n", [SSEEvent(data: "x")]),
        ("data: a\r\n\r\ndata: b\r\rdata: c\n\n", [SSEEvent(data: "a"), SSEEvent(data: "b"), SSEEvent(data: "c")]),
        ("data:x\n\ndata:  two spaces\n\n", [SSEEvent(data: "x"), SSEEvent(data: " two spaces")]),
        ("data\n\n", [SSEEvent(data: "")]),
        ("event: delta\ndata: 1\n\ndata: 2\n\n", [SSEEvent(event: "delta", data: "1"), SSEEvent(data: "2")]),
        ("id: 7\ndata: a\n\ndata: b\n\nid: 8\ndata: c\n\n",
         [SSEEvent(data: "a", id: "7"), SSEEvent(data: "b", id: "7"), SSEEvent(data: "c", id: "8")]),
        ("data: [DONE]\n\n", [SSEEvent(data: "[DONE]")]),
        ("retry: 1000\nfoo: bar\ndata: z\n\n", [SSEEvent(data: "z")]),
        // Only the exact field names count: neither prefixes, longer names nor other cases.
        ("dat: a\ndatas: b\nDATA: c\nevent2: e\neven: e\ni: 9\nids: 9\ndata: d\n\n", [SSEEvent(data: "d")]),
        ("\n\n\r\n\r\r\n", []),
        ("event: lonely\n\ndata: y\n\n", [SSEEvent(data: "y")]),
        ("id: 3\n\n", []),
        ("data: tail", [SSEEvent(data: "tail")]),
        ("data: tail\n", [SSEEvent(data: "tail")]),
        ("data: one\n\ndata: partial\ndata: rest", [SSEEvent(data: "one"), SSEEvent(data: "partial\nrest")]),
        ("data: x\n\n\u{FEFF}data: y\n\n", [SSEEvent(data: "x")]),
    ] as [(String, [SSEEvent])])
    func parsesEventStreamRules(text: String, expected: [SSEEvent]) {
        #expect(Self.parse(text) == expected)
    }

    @Test func finishIsNeededForAnEventWithoutItsBlankLine() {
        var parser = SSEParser()
        #expect(parser.push(Array("data: a\n\ndata: last".utf8)) == [SSEEvent(data: "a")])
        #expect(parser.finish() == [SSEEvent(data: "last")])
    }

    @Test(arguments: [[Self.bom], [[0xEF], [0xBB], [0xBF]], [[0xEF, 0xBB], [0xBF]], [[0xEF], [0xBB, 0xBF]]])
    func leadingBOMIsStrippedEvenWhenSplit(bomPushes: [[UInt8]]) {
        let pushes = bomPushes + [Array("data: x\n\n".utf8)]
        #expect(Self.parse(pushes) == [SSEEvent(data: "x")])
    }

    @Test func aLineWithoutEndStopsTheParserAtTheLimitKeepingEarlierEvents() {
        var parser = SSEParser(maxEventBytes: 1000)
        #expect(parser.push(Array("data: ok\n\ndata: ".utf8)) == [SSEEvent(data: "ok")])
        #expect(!parser.isOverflowed)
        #expect(parser.push(Array(repeating: UInt8(ascii: "a"), count: 999)) == [])
        #expect(parser.isOverflowed)
        #expect(parser.push(Array("\n\ndata: later\n\n".utf8)) == [], "nothing after the overflow")
        #expect(parser.finish() == [])
    }

    @Test func manyDataLinesCountTowardsTheLimitOfOneEvent() {
        var parser = SSEParser(maxEventBytes: 100)
        let line = Array("data: 0123456789\n".utf8)
        var events: [SSEEvent] = []
        for _ in 0..<6 { events += parser.push(line) }
        #expect(!parser.isOverflowed, "96 bytes of data lines fit")
        events += parser.push(line)
        #expect(parser.isOverflowed)
        #expect(events.isEmpty)
    }

    @Test func eventsUpToTheLimitPassAndTheCountStartsAgainForEachEvent() {
        var parser = SSEParser(maxEventBytes: 100)
        let event = Array("data: \(String(repeating: "x", count: 80))\n\n".utf8)
        var events: [SSEEvent] = []
        for _ in 0..<20 { events += parser.push(event) }
        #expect(!parser.isOverflowed)
        #expect(events.count == 20)
    }

    /// The visitor sees the same events as `push` gives, and an event of one data line that
    /// ends within the pushed bytes is read where it lies, not copied.
    @Test func theVisitorReadsAWholeOneLineEventInThePushedBytes() {
        var parser = SSEParser()
        #expect(parser.push(Array(": the stream's first bytes are looked at for a BOM\n".utf8)) == [])
        let bytes = Array("data: {\"a\":1}\n\nevent: x\nid: 4\ndata: b\ndata: c\n\ndata: spans".utf8)
        var seen: [(SSEEvent, inPushedBytes: Bool)] = []
        let stopped = bytes.withUnsafeBytes { pushed in
            parser.push(pushed) { view in
                let inPushed = view.withData { data in
                    guard let start = data.baseAddress, let base = pushed.baseAddress else { return false }
                    return start >= base && start + data.count <= base + pushed.count
                }
                seen.append((view.materialized, inPushed))
                return false
            }
        }
        #expect(!stopped)
        #expect(seen.map(\.0) == [SSEEvent(data: #"{"a":1}"#), SSEEvent(event: "x", data: "b\nc", id: "4")])
        #expect(seen.map(\.inPushedBytes) == [true, false], "only the one-line event is read in place")
        // The line that spans pushes is kept: the pushed bytes may be gone by the next push.
        let rest = Array(" over\n\n".utf8)
        var last: [SSEEvent] = []
        rest.withUnsafeBytes { _ = parser.push($0) { last.append($0.materialized); return false } }
        #expect(last == [SSEEvent(data: "spans over", id: "4")])
    }

    /// A data line read in place is copied when its event does not end in the same push.
    @Test func aOneLineEventWhoseBlankLineComesLaterIsKept() {
        var parser = SSEParser()
        var first = Array("data: kept\n".utf8)
        #expect(first.withUnsafeBytes { parser.push($0) } == [])
        first.withUnsafeMutableBytes { _ = $0.initializeMemory(as: UInt8.self, repeating: 0x21) }
        #expect(parser.push(Array("\n".utf8)) == [SSEEvent(data: "kept")])
    }

    @Test func aVisitorThatReturnsTrueStopsTheParserThere() {
        var parser = SSEParser()
        var visited: [String] = []
        let stopped = Array("data: 1\n\ndata: [DONE]\n\ndata: 3\n\n".utf8).withUnsafeBytes { bytes in
            parser.push(bytes) { view in
                visited.append(view.materialized.data)
                return view.withData { $0.equals("[DONE]") }
            }
        }
        #expect(stopped)
        #expect(visited == ["1", "[DONE]"])
    }

    @Test func whatAVisitorThrowsComesOut() {
        struct Refused: Error {}
        var parser = SSEParser()
        #expect(throws: Refused.self) {
            try Array("data: 1\n\n".utf8).withUnsafeBytes { bytes in try parser.push(bytes) { _ in throw Refused() } }
        }
    }
}
