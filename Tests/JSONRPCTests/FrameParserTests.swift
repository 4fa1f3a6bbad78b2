import JSONRPC
import Testing

/// `FrameParser`: splitting stdin into NDJSON lines and LSP `Content-Length` frames, per message.
struct FrameParserTests {
    /// A frame event with the message bytes as text and without the malformed reason's wording.
    enum Event: Equatable, CustomStringConvertible {
        case message(String, Framing)
        case oversized(Framing)
        case malformed(Framing)

        init(_ event: FrameEvent) {
            switch event {
            case .message(let bytes, let framing): self = .message(String(decoding: bytes, as: UTF8.self), framing)
            case .oversized(let framing): self = .oversized(framing)
            case .malformed(let framing, _): self = .malformed(framing)
            }
        }

        var description: String {
            switch self {
            case .message(let text, let framing): "\(framing)(\(text.debugDescription))"
            case .oversized(let framing): "oversized(\(framing))"
            case .malformed(let framing): "malformed(\(framing))"
            }
        }
    }

    /// Feeds each push (taking every available event after each, then showing the parser to
    /// `afterEachPush`), then ends the input.
    static func events(pushes: [ArraySlice<UInt8>], maxMessageBytes: Int = 1 << 20,
                       afterEachPush: (FrameParser) -> Void = { _ in }) -> [Event] {
        var parser = FrameParser(maxMessageBytes: maxMessageBytes)
        var events: [Event] = []
        for push in pushes {
            parser.append(push)
            while let event = parser.next() { events.append(Event(event)) }
            afterEachPush(parser)
        }
        while let event = parser.finish() { events.append(Event(event)) }
        return events
    }

    /// Feeds `input` in chunks of `chunkSize` bytes, then ends the input.
    static func events(_ input: [UInt8], chunkSize: Int, maxMessageBytes: Int = 1 << 20,
                       afterEachPush: (FrameParser) -> Void = { _ in }) -> [Event] {
        let step = max(1, min(chunkSize, input.count))
        let pushes = stride(from: 0, to: input.count, by: step).map { input[$0..<min($0 + step, input.count)] }
        return events(pushes: pushes, maxMessageBytes: maxMessageBytes, afterEachPush: afterEachPush)
    }

    static func lsp(_ body: String, headers: String = "") -> String {
        "\(headers)Content-Length: \(body.utf8.count)\r\n\r\n\(body)"
    }

    /// Named input streams and the events each must produce, however it is split.
    static let streams: [(name: String, input: String, expected: [Event])] = [
        ("ndjson", "{\"a\":1}\n{\"b\":2}\n[3]\n",
         [.message("{\"a\":1}", .ndjson), .message("{\"b\":2}", .ndjson), .message("[3]", .ndjson)]),
        ("ndjson with CRLF", "{\"a\":1}\r\n{\"b\":2}\r\n",
         [.message("{\"a\":1}", .ndjson), .message("{\"b\":2}", .ndjson)]),
        ("blank lines ignored", "\n\r\n{\"a\":1}\n\n \t\r\n\n{\"b\":2}\r\n\r\n\n",
         [.message("{\"a\":1}", .ndjson), .message("{\"b\":2}", .ndjson)]),
        ("lsp", lsp("{\"a\":1}") + lsp("{\"b\":\"ü\"}"),
         [.message("{\"a\":1}", .lsp), .message("{\"b\":\"ü\"}", .lsp)]),
        ("lsp body with newlines", lsp("{\n\"a\":\r\n1\n}\n"),
         [.message("{\n\"a\":\r\n1\n}\n", .lsp)]),
        ("lsp with Content-Type header", lsp("{\"a\":1}", headers: "Content-Type: application/vscode-jsonrpc; charset=utf-8\r\n"),
         [.message("{\"a\":1}", .lsp)]),
        ("lsp lowercase header names", "content-length: 7\r\ncontent-type: application/json\r\n\r\n{\"a\":1}CONTENT-LENGTH:2\r\n\r\n[]",
         [.message("{\"a\":1}", .lsp), .message("[]", .lsp)]),
        ("lsp lenient \\n\\n header end", "Content-Length: 7\n\n{\"a\":1}Content-Type: x\nContent-Length: 2\n\n{}",
         [.message("{\"a\":1}", .lsp), .message("{}", .lsp)]),
        ("mixed framings", "{\"n\":1}\n" + lsp("{\"n\":2}") + "\n{\"n\":3}\r\n" + lsp("{\"n\":4}") + lsp("{\"n\":5}") + "{\"n\":6}\n",
         [.message("{\"n\":1}", .ndjson), .message("{\"n\":2}", .lsp), .message("{\"n\":3}", .ndjson),
          .message("{\"n\":4}", .lsp), .message("{\"n\":5}", .lsp), .message("{\"n\":6}", .ndjson)]),
        ("missing Content-Length", "Content-Type: application/json\r\n\r\n{\"a\":1}\n",
         [.malformed(.lsp), .message("{\"a\":1}", .ndjson)]),
        ("non-numeric Content-Length", "Content-Length: seven\r\n\r\n{\"b\":2}\n",
         [.malformed(.lsp), .message("{\"b\":2}", .ndjson)]),
        ("negative Content-Length", "Content-Length: -7\r\n\r\n[1]\n" + lsp("{}"),
         [.malformed(.lsp), .message("[1]", .ndjson), .message("{}", .lsp)]),
        ("a letter line that is not a header", "hello world\n{\"a\":1}\nnull\n",
         [.message("hello world", .ndjson), .message("{\"a\":1}", .ndjson), .message("null", .ndjson)]),
        ("last line without newline", "{\"a\":1}\n{\"b\":2}",
         [.message("{\"a\":1}", .ndjson), .message("{\"b\":2}", .ndjson)]),
        ("last line with CR only", "[1]\r",
         [.message("[1]", .ndjson)]),
        ("truncated lsp body", "[0]\n" + "Content-Length: 10\r\n\r\n{\"a\"",
         [.message("[0]", .ndjson), .malformed(.lsp)]),
        ("input ends inside a header block", "Content-Length: 10\r\n",
         [.malformed(.lsp)]),
        ("only blank input", "\n\r\n \t\n", []),
        // A wrong Content-Length costs the messages it damaged, not the rest of the session.
        ("lsp Content-Length 2 too short", "Content-Length: 6\r\n\r\n{\"id\":1}" + lsp("{\"n\":2}") + lsp("{\"n\":3}"),
         [.message("{\"id\":", .lsp), .malformed(.lsp), .message("{\"n\":2}", .lsp), .message("{\"n\":3}", .lsp)]),
        ("lsp Content-Length 2 too long", "Content-Length: 10\r\n\r\n{\"id\":1}" + lsp("{\"n\":2}") + lsp("{\"n\":3}") + lsp("{\"n\":4}"),
         [.message("{\"id\":1}Co", .lsp), .malformed(.lsp), .malformed(.lsp), .message("{\"n\":3}", .lsp), .message("{\"n\":4}", .lsp)]),
        ("lsp Content-Length far too long", "Content-Length: 32\r\n\r\n{\"id\":1}" + lsp("{\"n\":2}") + lsp("{\"n\":3}"),
         [.message("{\"id\":1}Content-Length: 7\r\n\r\n{\"n", .lsp), .malformed(.lsp), .message("{\"n\":3}", .lsp)]),
        ("lsp garbage Content-Length", "Content-Length: 1x\r\n\r\n{\"id\":1}" + lsp("{\"n\":2}") + lsp("{\"n\":3}"),
         [.malformed(.lsp), .malformed(.lsp), .message("{\"n\":2}", .lsp), .message("{\"n\":3}", .lsp)]),
        ("lsp pretty-printed body too short", "Content-Length: 8\r\n\r\n{\n\"a\": 1\n}" + lsp("{\"n\":2}"),
         [.message("{\n\"a\": 1", .lsp), .malformed(.lsp), .message("{\"n\":2}", .lsp)]),
        ("a line that mentions the header is a message", "{\"text\":\"Content-Length: 5\"}\n[\"Content-Length: 5\", 5]\n",
         [.message("{\"text\":\"Content-Length: 5\"}", .ndjson), .message("[\"Content-Length: 5\", 5]", .ndjson)]),
        ("the tail of a body and a header at the end of input", "{\"a\":1}\n\"}}Content-Length: 4",
         [.message("{\"a\":1}", .ndjson), .malformed(.lsp), .malformed(.lsp)]),
        ("byte order mark before ndjson", "\u{FEFF}{\"a\":1}\n\u{FEFF}[2]\n",
         [.message("{\"a\":1}", .ndjson), .message("[2]", .ndjson)]),
        ("byte order mark before lsp", "\u{FEFF}" + lsp("{\"a\":1}"),
         [.message("{\"a\":1}", .lsp)]),
    ]

    @Test(arguments: streams.indices, [1, 2, 3, 7, 64, Int.max])
    func splitsTheSameWhateverTheChunking(stream: Int, chunkSize: Int) {
        let (name, input, expected) = Self.streams[stream]
        #expect(Self.events(Array(input.utf8), chunkSize: chunkSize) == expected, "\(name)")
    }

    @Test(arguments: streams.indices)
    func splittingAtAnyByteGivesTheSameEvents(stream: Int) {
        let (name, input, expected) = Self.streams[stream]
        let bytes = Array(input.utf8)
        for split in 0...bytes.count {
            #expect(Self.events(pushes: [bytes[..<split], bytes[split...]]) == expected, "\(name) split at \(split)")
        }
    }

    @Test func theLargestLimitCannotOverflow() {
        var parser = FrameParser(maxMessageBytes: Int.max)
        parser.append(Array("{\"a\":".utf8))
        #expect(parser.next() == nil)
        parser.append(Array("1}\n".utf8))
        #expect(parser.next().map(Event.init) == .message("{\"a\":1}", .ndjson))
        parser.append(Array("Content-Length: 9223372036854775807\r\n\r\n{}".utf8))
        #expect(parser.next() == nil)
        #expect(parser.finish().map(Event.init) == .malformed(.lsp))
    }

    // MARK: - finish()

    @Test func finishReturnsTheLastLineOnlyAtEndOfInput() {
        var parser = FrameParser()
        parser.append(Array("{\"a\":1}\n{\"b\":2}".utf8))
        #expect(parser.next().map(Event.init) == .message("{\"a\":1}", .ndjson))
        #expect(parser.next() == nil)
        #expect(parser.finish().map(Event.init) == .message("{\"b\":2}", .ndjson))
        #expect(parser.finish() == nil)
        #expect(parser.bufferedByteCount == 0)
    }

    // MARK: - Size limits

    static let limit = 64
    static let bigLine = "{\"pad\":\"" + String(repeating: "x", count: 300) + "\"}"

    @Test(arguments: [1, 5, 16, 50])
    func oversizedLineIsReportedOnceAndTheNextMessageParses(chunkSize: Int) {
        let input = "{\"a\":1}\n" + Self.bigLine + "\n{\"b\":2}\n"
        #expect(Self.events(Array(input.utf8), chunkSize: chunkSize, maxMessageBytes: Self.limit)
            == [.message("{\"a\":1}", .ndjson), .oversized(.ndjson), .message("{\"b\":2}", .ndjson)])
    }

    @Test(arguments: [Self.bigLine.utf8.count + 1, 4096])
    func oversizedLineArrivingWholeIsStillRefused(chunkSize: Int) {
        // The contract: a message over the limit is answered -32600 and skipped, however it was read.
        let input = Self.bigLine + "\n{\"b\":2}\n"
        #expect(Self.events(Array(input.utf8), chunkSize: chunkSize, maxMessageBytes: Self.limit)
            == [.oversized(.ndjson), .message("{\"b\":2}", .ndjson)])
    }

    @Test(arguments: [1, 9, 64, Int.max])
    func oversizedLSPBodyIsReportedOnceAndTheNextMessageParses(chunkSize: Int) {
        let input = Self.lsp(Self.bigLine) + Self.lsp("{\"a\":1}") + "{\"b\":2}\n"
        #expect(Self.events(Array(input.utf8), chunkSize: chunkSize, maxMessageBytes: Self.limit)
            == [.oversized(.lsp), .message("{\"a\":1}", .lsp), .message("{\"b\":2}", .ndjson)])
    }

    /// A message of exactly `limit` bytes.
    static let bodyAtLimit = "[\"" + String(repeating: "y", count: limit - 4) + "\"]"

    @Test(arguments: [1, Int.max])
    func messageExactlyAtTheLimitIsAccepted(chunkSize: Int) {
        let body = Self.bodyAtLimit
        #expect(body.utf8.count == Self.limit)
        #expect(Self.events(Array((Self.lsp(body) + body + "\n").utf8), chunkSize: chunkSize, maxMessageBytes: Self.limit)
            == [.message(body, .lsp), .message(body, .ndjson)])
    }

    @Test func lineExactlyAtTheLimitEndingInCRLFIsAcceptedWhenCRAndLFArriveApart() {
        let body = Self.bodyAtLimit
        let pushes = [Array((body + "\r").utf8)[...], Array("\n".utf8)[...]]
        #expect(Self.events(pushes: pushes, maxMessageBytes: Self.limit) == [.message(body, .ndjson)])
    }

    @Test(arguments: [(Framing.ndjson, 1000), (.ndjson, 7), (.lsp, 1000), (.lsp, 7)])
    func hugeMessageIsNeverHeldInMemory(framing: Framing, chunkSize: Int) {
        let size = 200_000
        let header = framing == .lsp ? "Content-Length: \(size + 2)\r\n\r\n" : ""
        let input = Array("\(header)[".utf8) + [UInt8](repeating: UInt8(ascii: "1"), count: size) + Array("]\n{\"next\":true}\n".utf8)
        var largestBuffer = 0
        let events = Self.events(input, chunkSize: chunkSize, maxMessageBytes: Self.limit) {
            largestBuffer = max(largestBuffer, $0.bufferedByteCount)
        }
        #expect(events == [.oversized(framing), .message("{\"next\":true}", .ndjson)])
        #expect(largestBuffer < Self.limit + chunkSize)
    }
}

/// Inputs the fuzzer (fuzz/regressions/frame/) found to give different events for different
/// splits, or to pass a message over the limit.
@Suite("frame parser regressions from fuzzing")
struct FrameParserFuzzRegressionTests {
    static let limit = 16

    @Test func aFinalLineWithoutNewlineIsCheckedAgainstTheLimit() {
        let line = Array(#"{"id":0,"x":"aa"}"#.utf8)  // 17 bytes, one over
        for chunkSize in [1, 5, line.count] {
            let events = FrameParserTests.events(line, chunkSize: chunkSize, maxMessageBytes: Self.limit)
            #expect(events == [.oversized(.ndjson)], "chunk size \(chunkSize)")
        }
    }

    static let longLetterLine = [UInt8](repeating: UInt8(ascii: "a"), count: FrameParser.maxHeaderBytes + 1) + [0x0A]
    static let longHeaderBlock = Array("Content-Length: 2\r\nX-Pad: ".utf8) + [UInt8](repeating: UInt8(ascii: "a"), count: FrameParser.maxHeaderBytes)
        + Array("\r\n\r\n{}".utf8)

    @Test(arguments: [longLetterLine, longHeaderBlock])
    func longStartsGiveTheSameEventsHoweverTheyAreSplit(input: [UInt8]) {
        let whole = FrameParserTests.events(input, chunkSize: input.count)
        for chunkSize in [1, 7, 4096, FrameParser.maxHeaderBytes] {
            #expect(FrameParserTests.events(input, chunkSize: chunkSize) == whole, "chunk size \(chunkSize)")
        }
    }

    @Test func aLongLineStartingWithALetterIsAnNDJSONLine() {
        let line = String(decoding: Self.longLetterLine.dropLast(), as: UTF8.self)
        #expect(FrameParserTests.events(Self.longLetterLine, chunkSize: 1) == [.message(line, .ndjson)])
    }

    @Test func aHeaderBlockOverTheLimitIsMalformed() {
        // Malformed, then the parser resumes after the line the limit falls in: the blank line is
        // skipped and `{}` is read as an NDJSON message.
        #expect(FrameParserTests.events(Self.longHeaderBlock, chunkSize: 1) == [.malformed(.lsp), .message("{}", .ndjson)])
    }
}
