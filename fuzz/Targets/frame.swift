// modules: JSONRPC
// max_len: 20000
import Glibc
import JSONRPC

// Target `frame`: the frame parser (Sources/JSONRPC/FrameParser.swift), both framings.
//
// The input is one byte stream. It is parsed three times — in one piece, one byte at a time, and
// cut at points derived from the input — with a message limit also derived from the input, and:
// - the three runs must produce the same events, `finish()` included;
// - after each `append` the parser holds at most bound + that chunk, and after the events are
//   taken at most bound, where bound = max(maxMessageBytes + 1, maxHeaderBytes) (the +1 is the
//   CR of a CRLF line of exactly the limit; a header block may be held up to its own limit);
// - no message is larger than the limit; an NDJSON message is one non-blank line;
// - the messages, framed again with `Framing.frame`, parse back to the same messages.

/// One parse of a whole stream, fed in the given pieces.
private func parse(_ pieces: [ArraySlice<UInt8>], limit: Int) -> [FrameEvent] {
    var parser = FrameParser(maxMessageBytes: limit)
    let bound = max(limit + 1, FrameParser.maxHeaderBytes)
    var events: [FrameEvent] = []
    for piece in pieces {
        parser.append(piece)
        check(parser.bufferedByteCount <= bound + piece.count,
              "holds \(parser.bufferedByteCount) bytes after a \(piece.count)-byte append (limit \(limit))")
        while let event = parser.next() { events.append(event) }
        check(parser.bufferedByteCount <= bound, "holds \(parser.bufferedByteCount) bytes with no event ready (limit \(limit))")
    }
    var finishing = 0
    while let event = parser.finish() {
        events.append(event)
        finishing += 1
        check(finishing < 1_000_000, "finish() never returns nil")
    }
    return events
}

/// `a == b`, with message bytes compared by `sameBytes`.
private func same(_ a: [FrameEvent], _ b: [FrameEvent]) -> Bool {
    guard a.count == b.count else { return false }
    for (left, right) in zip(a, b) {
        if case .message(let leftBytes, let leftFraming) = left, case .message(let rightBytes, let rightFraming) = right {
            guard leftFraming == rightFraming, sameBytes(leftBytes[...], rightBytes[...]) else { return false }
        } else if left != right {
            return false
        }
    }
    return true
}

private func describe(_ events: [FrameEvent]) -> String {
    events.map { event in
        switch event {
        case .message(let bytes, let framing): "message(\(framing), \(bytes.count) bytes: \(String(decoding: bytes.prefix(40), as: UTF8.self).debugDescription))"
        case .oversized(let framing): "oversized(\(framing))"
        case .malformed(let framing, let reason): "malformed(\(framing), \(reason))"
        }
    }.joined(separator: ", ")
}

private func checkMessages(_ events: [FrameEvent], limit: Int) {
    var reframed: [UInt8] = []
    var messages: [FrameEvent] = []
    for case .message(let bytes, let framing) in events {
        check(bytes.count <= limit, "a \(framing) message of \(bytes.count) bytes passed the \(limit)-byte limit")
        if framing == .ndjson {
            check(!bytes.isEmpty && bytes.withUnsafeBytes { memchr($0.baseAddress!, 0x0A, $0.count) == nil },
                  "an NDJSON message is empty or holds a newline")
            check(![0x20, 0x09, 0x0D].contains(bytes[0]), "an NDJSON message starts with a blank")
            // A line ending in two CRs loses only the last one; framing it again would drop another.
            if bytes.last == 0x0D { continue }
        }
        framing.frame(bytes, into: &reframed)
        messages.append(.message(bytes, framing))
    }
    let again = parse([reframed[...]], limit: limit)
    check(same(again, messages), "framing the messages again gives [\(describe(again))], expected [\(describe(messages))]")
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = fuzzInput(data, size)
    var random = InputRandom(seed: input)
    let limit = [16, 100, 1000, 64 * 1024][random.below(4)]
    let whole = checkSplitInvariance(input, random: &random, parse: { parse($0, limit: limit) }, same: same,
                                     describe: { "[\(describe($0))] (limit \(limit))" })
    checkMessages(whole, limit: limit)
    return 0
}
