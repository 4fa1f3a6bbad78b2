import Primitives

/// One server-sent event.
public struct SSEEvent: Sendable, Equatable {
    /// The `event:` field, `message` when absent.
    public var event: String
    /// The `data:` lines joined with `\n`.
    public var data: String
    /// The last `id:` seen, if any.
    public var id: String?

    public init(event: String = "message", data: String, id: String? = nil) {
        self.event = event
        self.data = data
        self.id = id
    }
}

/// An incremental parser for `text/event-stream`, following the WHATWG event-stream rules.
///
/// Handles events split across reads at any byte, `\n`, `\r\n` and `\r` line ends, a leading
/// UTF-8 BOM, multi-line `data:`, `:` comments (keep-alives), fields without a value and the
/// optional space after the colon. An event is dispatched at a blank line, and only when it has
/// data; a final event without its blank line is dispatched by `finish()`.
///
/// One event (its pending line and data lines together) may hold at most `maxEventBytes`: a
/// server that sends a line without end cannot make the parser hold more. Past the limit the
/// parser stops, `isOverflowed` turns true and later input is ignored; the events completed
/// before are still returned.
public struct SSEParser: Sendable {
    /// The default limit on one event: 16 MiB, far above a text delta and room for the largest
    /// legitimate events (a base64 image inside a streamed response), while bounding what a
    /// server sending a line without end can make the daemon hold.
    public static let defaultMaxEventBytes = 16 * 1024 * 1024

    public let maxEventBytes: Int
    /// True once an event grew past `maxEventBytes`; the stream is then unusable.
    public private(set) var isOverflowed = false
    private var line: [UInt8] = []
    /// The bytes of the pending event's data lines.
    private var dataBytes = 0
    private var sawFirstBytes = false
    private var lastWasCR = false
    private var eventType = ""
    private var dataLines: [String] = []
    private var hasData = false
    private var lastID: String?

    public init(maxEventBytes: Int = SSEParser.defaultMaxEventBytes) {
        self.maxEventBytes = maxEventBytes
    }

    /// Feeds bytes; returns the events they complete, in order.
    public mutating func push(_ bytes: some Sequence<UInt8>) -> [SSEEvent] {
        let contiguous = Array(bytes)
        return contiguous.withUnsafeBytes { push($0) }
    }

    /// Feeds bytes (the fast path: whole lines are found with a scan, not byte by byte).
    public mutating func push(_ bytes: UnsafeRawBufferPointer) -> [SSEEvent] {
        var events: [SSEEvent] = []
        guard !isOverflowed else { return events }
        var index = 0
        if !sawFirstBytes {
            // Hold back up to three leading bytes until it is clear whether they are a BOM.
            while index < bytes.count && !sawFirstBytes {
                line.append(bytes[index])
                index += 1
                if line.count < 3 && [0xEF, 0xBB].starts(with: line) { continue }
                sawFirstBytes = true
                let pending = line
                line.removeAll()
                if pending != [0xEF, 0xBB, 0xBF] { pending.withUnsafeBytes { feed($0, into: &events) } }
            }
        }
        feed(UnsafeRawBufferPointer(rebasing: bytes[index...]), into: &events)
        return events
    }

    /// Ends the stream: dispatches an event left without its terminating blank line.
    public mutating func finish() -> [SSEEvent] {
        var events: [SSEEvent] = []
        guard !isOverflowed else { return events }
        if !line.isEmpty {
            let last = line
            line.removeAll()
            last.withUnsafeBytes { processLine($0, into: &events) }
        }
        if hasData { events.append(makeEvent()) }
        return events
    }

    /// Splits `bytes` into lines. A line that lies whole in `bytes` is handled where it lies; only
    /// a line split across pieces is gathered in `line` first.
    private mutating func feed(_ bytes: UnsafeRawBufferPointer, into events: inout [SSEEvent]) {
        var index = 0
        let count = bytes.count
        if lastWasCR, index < count {
            lastWasCR = false
            if bytes[index] == 0x0A { index += 1 }
        }
        while index < count {
            var end = index
            while end < count, bytes[end] != 0x0A, bytes[end] != 0x0D { end += 1 }
            let piece = UnsafeRawBufferPointer(rebasing: bytes[index..<end])
            guard end < count else {
                line.append(contentsOf: piece)
                checkSize()
                return
            }
            if line.isEmpty {
                guard piece.count + dataBytes <= maxEventBytes else { return overflow() }
                processLine(piece, into: &events)
            } else {
                line.append(contentsOf: piece)
                checkSize()
                if isOverflowed { return }
                var gathered: [UInt8] = []
                swap(&gathered, &line)
                gathered.withUnsafeBytes { processLine($0, into: &events) }
                gathered.removeAll(keepingCapacity: true)
                swap(&gathered, &line)
            }
            index = end + 1
            if bytes[end] == 0x0D {
                if index < count {
                    if bytes[index] == 0x0A { index += 1 }
                } else {
                    lastWasCR = true
                }
            }
        }
    }

    private mutating func processLine(_ line: UnsafeRawBufferPointer, into events: inout [SSEEvent]) {
        if line.isEmpty {
            if hasData { events.append(makeEvent()) }
            eventType = ""
            dataLines.removeAll(keepingCapacity: true)
            dataBytes = 0
            hasData = false
            return
        }
        if line[0] == UInt8(ascii: ":") { return }
        let name: UnsafeRawBufferPointer
        var value = UnsafeRawBufferPointer(start: nil, count: 0)
        if let colon = line.firstIndex(of: UInt8(ascii: ":")) {
            name = UnsafeRawBufferPointer(rebasing: line[..<colon])
            var valueStart = colon + 1
            if valueStart < line.count, line[valueStart] == 0x20 { valueStart += 1 }
            value = UnsafeRawBufferPointer(rebasing: line[valueStart...])
        } else {
            name = line
        }
        if name.equals("data") {
            dataLines.append(String(decoding: value, as: UTF8.self))
            dataBytes += line.count
            hasData = true
        } else if name.equals("event") {
            eventType = String(decoding: value, as: UTF8.self)
        } else if name.equals("id") {
            if !value.contains(0) { lastID = String(decoding: value, as: UTF8.self) }
        }
        // `retry:` and unknown fields are ignored, as the spec says.
    }

    private mutating func makeEvent() -> SSEEvent {
        let data = dataLines.count == 1 ? dataLines[0] : dataLines.joined(separator: "\n")
        let event = SSEEvent(event: eventType.isEmpty ? "message" : eventType, data: data, id: lastID)
        eventType = ""
        dataLines.removeAll(keepingCapacity: true)
        dataBytes = 0
        hasData = false
        return event
    }

    /// Stops the parser when the pending event has grown past the limit.
    private mutating func checkSize() {
        if line.count + dataBytes > maxEventBytes { overflow() }
    }

    /// The pending event grew past the limit: the parser stops.
    private mutating func overflow() {
        isOverflowed = true
        line = []
        dataLines = []
        dataBytes = 0
        hasData = false
    }
}
