import Primitives

/// Splits a byte stream into messages, detecting the framing of each message from its first byte.
///
/// A message whose first non-blank byte is a letter starts an LSP header block
/// (`Content-Length: N\r\n…\r\n\r\n` + N bytes); anything else is an NDJSON line. A UTF-8 byte
/// order mark before a message is skipped. Pure and incremental: feed bytes in any split with
/// `append`, take events with `next()`, and call `finish()` at end of input. Never holds more than
/// `maxMessageBytes` (plus one read) of a message: an oversized one is reported once and its bytes
/// dropped as they arrive.
///
/// After an LSP body whose `Content-Length` was wrong, the parser finds its way back: the bytes
/// left over (too short a length), or the header block it ran into (too long a length, a
/// non-numeric one), end in the line that carries the next message's `Content-Length` header. A
/// line that ends in a `Content-Length: N` header after other bytes is therefore reported as
/// malformed up to that header, and parsing resumes at the header. (No JSON text can end that
/// way, so no NDJSON message is ever cut.)
public struct FrameParser: Sendable {
    /// Longest header block (its terminating blank line included) accepted before it is treated as
    /// garbage; also the most a parser holds of a message start it cannot classify yet.
    public static let maxHeaderBytes = 16 * 1024

    public let maxMessageBytes: Int

    private enum State: Sendable {
        case idle
        case body(length: Int)
        case discardingBody(remaining: Int)
        case discardingLine
        /// Reading an NDJSON line.
        case readingLine
        /// Reading an LSP header block.
        case readingHeaders
    }

    private var buffer: [UInt8] = []
    private var start = 0
    /// Where to resume looking for a line or header terminator, so long inputs are scanned once.
    private var scanned = 0
    private var state = State.idle

    public init(maxMessageBytes: Int = 64 * 1024 * 1024) {
        self.maxMessageBytes = maxMessageBytes
    }

    /// Bytes held for the message being assembled.
    public var bufferedByteCount: Int { buffer.count - start }

    public mutating func append(_ bytes: some Sequence<UInt8>) {
        if start > 0, start >= buffer.count / 2 {
            buffer.removeSubrange(0..<start)
            scanned -= start
            start = 0
        }
        buffer.append(contentsOf: bytes)
    }

    /// The next complete event, or nil when more input is needed.
    public mutating func next() -> FrameEvent? {
        while true {
            switch state {
            case .discardingLine:
                if let newline = find(0x0A, from: start) {
                    start = newline + 1
                    state = .idle
                    continue
                }
                dropBuffered()
                return nil
            case .discardingBody(let remaining):
                let available = buffer.count - start
                if available < remaining {
                    dropBuffered()
                    state = .discardingBody(remaining: remaining - available)
                    return nil
                }
                start += remaining
                state = .idle
            case .body(let length):
                guard buffer.count - start >= length else { return nil }
                let message = Array(buffer[start..<start + length])
                start += length
                scanned = start
                state = .idle
                return .message(message, .lsp)
            case .idle:
                skipBlank()
                guard start < buffer.count else { return nil }
                switch byteOrderMark(at: start) {
                case true?:
                    start += Self.byteOrderMark.count
                    continue
                case nil: return nil
                case false?: break
                }
                if isLetter(buffer[start]) {
                    switch classifyLetterStart() {
                    case .header: state = .readingHeaders
                    case .line: state = .readingLine
                    case .undecided: return nil
                    }
                } else {
                    state = .readingLine
                }
            case .readingLine:
                return nextLine()
            case .readingHeaders:
                return nextHeaderBlock()
            }
        }
    }

    /// Called at end of input: a last NDJSON line without a newline is still a message.
    public mutating func finish() -> FrameEvent? {
        if let event = next() { return event }
        switch state {
        case .idle, .readingLine:
            // What is left is a line without its newline (in .idle: a start still undecided, which
            // only a header name's characters can leave).
            skipBlank()
            state = .idle
            guard start < buffer.count else { return nil }
            let line = trimCarriageReturn(buffer[start..<buffer.count])
            if line.count <= maxMessageBytes, let skipped = skipToGluedContentLength(lineLength: line.count) { return skipped }
            dropBuffered()
            return line.count > maxMessageBytes ? .oversized(.ndjson) : .message(line, .ndjson)
        case .readingHeaders:
            dropBuffered()
            state = .idle
            return .malformed(.lsp, "input ended inside a header block")
        case .body:
            dropBuffered()
            state = .idle
            return .malformed(.lsp, "input ended inside a message body")
        case .discardingBody, .discardingLine:
            return nil
        }
    }

    // MARK: - NDJSON

    private mutating func nextLine() -> FrameEvent? {
        if let newline = find(0x0A, from: max(start, scanned)) {
            let line = trimCarriageReturn(buffer[start..<newline])
            if line.count <= maxMessageBytes, let skipped = skipToGluedContentLength(lineLength: line.count) { return skipped }
            start = newline + 1
            scanned = start
            state = .idle
            return line.count > maxMessageBytes ? .oversized(.ndjson) : .message(line, .ndjson)
        }
        scanned = buffer.count
        // One byte of grace: a line of exactly the limit may be waiting for the LF of its CRLF.
        // (Written so that no limit, however large, can overflow.)
        if buffer.count - start - 1 > maxMessageBytes {
            dropBuffered()
            state = .discardingLine
            return .oversized(.ndjson)
        }
        return nil
    }

    private func trimCarriageReturn(_ slice: ArraySlice<UInt8>) -> [UInt8] {
        slice.last == 0x0D ? Array(slice.dropLast()) : Array(slice)
    }

    // MARK: - LSP

    private static let contentLengthName = Array("content-length:".utf8)

    /// When the line at `start` (`lineLength` bytes, its CR and LF excluded) ends in a
    /// `Content-Length` header after other bytes, skips those bytes, goes on with the header block
    /// and reports them as malformed; nil otherwise.
    private mutating func skipToGluedContentLength(lineLength: Int) -> FrameEvent? {
        guard let header = gluedContentLength(before: start + lineLength) else { return nil }
        let skipped = header - start
        start = header
        scanned = start
        state = .readingHeaders
        return .malformed(.lsp, "\(skipped) bytes before a Content-Length header were skipped (the previous message's Content-Length was wrong?)")
    }

    /// Where a `Content-Length: N` header starts when the line ending at `end` (its CR and LF
    /// excluded) ends in one after other bytes; nil otherwise. Read backwards from the line's end:
    /// blanks, digits, blanks, then the header's name in any case.
    private func gluedContentLength(before end: Int) -> Int? {
        var index = end
        func skip(while matches: (UInt8) -> Bool) {
            while index > start, matches(buffer[index - 1]) { index -= 1 }
        }
        skip { $0 == 0x20 || $0 == 0x09 }
        let digitsEnd = index
        skip { $0 >= 0x30 && $0 <= 0x39 }
        guard index < digitsEnd else { return nil }
        skip { $0 == 0x20 || $0 == 0x09 }
        let name = Self.contentLengthName
        guard index - start > name.count else { return nil }
        let header = index - name.count
        for (offset, expected) in name.enumerated() where lowercased(buffer[header + offset]) != expected {
            return nil
        }
        return header
    }

    private enum LetterStart { case header, line, undecided }

    /// Whether a message that starts with a letter is an LSP header block (a first line
    /// `Name:` with a token name) or an NDJSON line (which will get a parse error). Decided from
    /// the first line's prefix alone, so every split of the input gives the same answer.
    private mutating func classifyLetterStart() -> LetterStart {
        var index = max(start, scanned)
        while index < buffer.count {
            let byte = buffer[index]
            if byte == UInt8(ascii: ":") { return .header }
            // No header name is that long: a line of name characters is not left undecided.
            if !isTokenByte(byte) || index - start + 1 >= Self.maxHeaderBytes { return .line }
            index += 1
        }
        scanned = index
        return .undecided
    }

    private mutating func nextHeaderBlock() -> FrameEvent? {
        // The block, its blank line (at most 4 bytes: CRLF CRLF) included, fits in maxHeaderBytes.
        let limit = start + Self.maxHeaderBytes - 4
        let end = findHeaderEnd()
        // A terminator that starts by `limit` is visible 3 bytes later, so "too long" is known the
        // same way whether the block arrived whole or in pieces.
        if end.map({ $0.0 > limit }) ?? (buffer.count > limit + 3) {
            // Resume after the line the limit falls in, wherever the input was split.
            if let newline = find(0x0A, from: limit) {
                start = newline + 1
                scanned = start
                state = .idle
            } else {
                dropBuffered()
                state = .discardingLine
            }
            return .malformed(.lsp, "header block longer than \(Self.maxHeaderBytes) bytes")
        }
        guard let (headerEnd, bodyStart) = end else {
            scanned = max(start, buffer.count - 3)
            return nil
        }
        let headers = start..<headerEnd
        start = bodyStart
        scanned = start
        guard let length = contentLength(in: headers) else {
            state = .idle
            return .malformed(.lsp, "missing or invalid Content-Length header")
        }
        if length > maxMessageBytes {
            state = .discardingBody(remaining: length)
            return .oversized(.lsp)
        }
        state = .body(length: length)
        return next()
    }

    /// The end of the header lines and the start of the body: `\r\n\r\n`, or `\n\n` from lenient peers.
    private func findHeaderEnd() -> (Int, Int)? {
        var index = max(start, scanned)
        while let newline = find(0x0A, from: index) {
            let next = newline + 1
            if next < buffer.count, buffer[next] == 0x0A { return (newline, next + 1) }
            if next + 1 < buffer.count, buffer[next] == 0x0D, buffer[next + 1] == 0x0A { return (newline, next + 2) }
            if next >= buffer.count || (next + 1 >= buffer.count && buffer[next] == 0x0D) { return nil }
            index = next
        }
        return nil
    }

    /// The value of the `Content-Length` header among the header lines in `headers` (the name in
    /// any case, blanks around the value allowed); nil when there is none, or when it is not a
    /// whole number, 0 or more.
    private func contentLength(in headers: Range<Int>) -> Int? {
        let name = Self.contentLengthName.dropLast()
        var lineStart = headers.lowerBound
        while lineStart < headers.upperBound {
            let lineEnd = buffer[lineStart..<headers.upperBound].firstIndex { $0 == 0x0A || $0 == 0x0D } ?? headers.upperBound
            if let colon = buffer[lineStart..<lineEnd].firstIndex(of: UInt8(ascii: ":")) {
                let candidate = trimmingBlanks(lineStart..<colon)
                if candidate.count == name.count, zip(buffer[candidate], name).allSatisfy({ lowercased($0) == $1 }) {
                    let value = buffer[trimmingBlanks(colon + 1..<lineEnd)]
                    guard let length = Int(String(decoding: value, as: UTF8.self)), length >= 0 else { return nil }
                    return length
                }
            }
            lineStart = lineEnd + 1
        }
        return nil
    }

    /// `range` without the spaces and tabs at either end.
    private func trimmingBlanks(_ range: Range<Int>) -> Range<Int> {
        var (lower, upper) = (range.lowerBound, range.upperBound)
        while lower < upper, buffer[lower] == 0x20 || buffer[lower] == 0x09 { lower += 1 }
        while upper > lower, buffer[upper - 1] == 0x20 || buffer[upper - 1] == 0x09 { upper -= 1 }
        return lower..<upper
    }

    // MARK: - Scanning

    private mutating func skipBlank() {
        while start < buffer.count {
            switch buffer[start] {
            case 0x20, 0x09, 0x0A, 0x0D: start += 1
            default:
                scanned = max(scanned, start)
                return
            }
        }
        scanned = max(scanned, start)
    }

    private static let byteOrderMark: [UInt8] = [0xEF, 0xBB, 0xBF]

    /// Whether a UTF-8 byte order mark starts at `index`; nil while the bytes there are only the
    /// start of one.
    private func byteOrderMark(at index: Int) -> Bool? {
        for (offset, byte) in Self.byteOrderMark.enumerated() {
            guard index + offset < buffer.count else { return nil }
            if buffer[index + offset] != byte { return false }
        }
        return true
    }

    private mutating func dropBuffered() {
        buffer.removeAll(keepingCapacity: buffer.capacity <= 1 << 20)
        start = 0
        scanned = 0
    }

    /// The index of the first `byte` at or after `index` (`memchr`: long lines are scanned at
    /// the C library's speed).
    private func find(_ byte: UInt8, from index: Int) -> Int? {
        guard index < buffer.count else { return nil }
        return buffer.withUnsafeBytes { raw in
            let base = raw.baseAddress!
            return memchr(base + index, Int32(byte), raw.count - index).map { base.distance(to: UnsafeRawPointer($0)) }
        }
    }

    /// A character of a header name (letters, digits, `-`).
    private func isTokenByte(_ byte: UInt8) -> Bool {
        isLetter(byte) || (byte >= 0x30 && byte <= 0x39) || byte == UInt8(ascii: "-")
    }

    private func lowercased(_ byte: UInt8) -> UInt8 {
        byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte
    }

    private func isLetter(_ byte: UInt8) -> Bool {
        (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
    }
}
