@testable import HTTP
import Testing

/// `HeadParser`: response heads as libcurl's header callback hands them over, one line at a time.
@Suite struct HeadParserTests {
    static func parse(_ lines: [String]) -> [HeadParser.Outcome] {
        var parser = HeadParser()
        return lines.map { parser.consume(Array($0.utf8)) }
    }

    @Test func aHeadIsCompleteAtTheBlankLine() {
        let outcomes = Self.parse(["HTTP/1.1 200 OK\r\n", "Content-Type: text/event-stream\r\n", "X-Request-Id:  abc \r\n", "\r\n"])
        #expect(outcomes.dropLast().allSatisfy { $0 == .needMore })
        #expect(outcomes.last == .complete(HTTPResponseHead(status: 200, headers: ["content-type": "text/event-stream", "x-request-id": "abc"])))
    }

    @Test func anInterimContinueHeadIsSkipped() {
        let outcomes = Self.parse(["HTTP/1.1 100 Continue\r\n", "\r\n", "HTTP/1.1 201 Created\r\n", "Location: /x\r\n", "\r\n"])
        #expect(outcomes[1] == .needMore)
        #expect(outcomes.last == .complete(HTTPResponseHead(status: 201, headers: ["location": "/x"])))
    }

    @Test func anHTTP2StatusLineWithoutAReasonIsRead() {
        #expect(Self.parse(["HTTP/2 429 \r\n", "retry-after: 7\r\n", "\r\n"]).last
            == .complete(HTTPResponseHead(status: 429, headers: ["retry-after": "7"])))
    }

    @Test func repeatedFieldsAreJoinedAndFoldedLinesContinue() {
        let outcomes = Self.parse(["HTTP/1.1 200 OK\r\n", "Vary: a\r\n", "vary: b\r\n", "X-Long: one\r\n", "\t two\r\n", "\r\n"])
        #expect(outcomes.last == .complete(HTTPResponseHead(status: 200, headers: ["vary": "a, b", "x-long": "one two"])))
    }

    @Test func trailersAfterTheHeadAreIgnored() {
        var parser = HeadParser()
        _ = parser.consume(Array("HTTP/1.1 200 OK\r\n".utf8))
        #expect(parser.consume(Array("\r\n".utf8)) == .complete(HTTPResponseHead(status: 200)))
        #expect(parser.consume(Array("X-Trailer: t\r\n".utf8)) == .needMore)
        #expect(parser.isComplete)
    }

    @Test func anEndlessHeadIsRefused() {
        var parser = HeadParser()
        _ = parser.consume(Array("HTTP/1.1 200 OK\r\n".utf8))
        let line = Array("X-Filler: \(String(repeating: "a", count: 1000))\r\n".utf8)
        var outcome = HeadParser.Outcome.needMore
        for _ in 0..<300 where outcome == .needMore { outcome = parser.consume(line) }
        #expect(outcome == .tooLarge)
    }

    @Test func theHeadReportsItsLengthAndEncoding() {
        let head = HTTPResponseHead(status: 200, headers: ["content-length": " 42 ", "content-encoding": "GZIP"])
        #expect(head.contentLength == 42)
        #expect(head.contentEncoding == "gzip")
        #expect(HTTPResponseHead(status: 200, headers: ["content-encoding": "identity"]).contentEncoding == nil)
    }
}
