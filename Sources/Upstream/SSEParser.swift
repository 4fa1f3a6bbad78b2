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

/// An event as `SSEParser.push(_:to:)` hands it over. An event of one `data:` line that lies
/// whole in the bytes being pushed is handed over as those bytes, with no copy: the view is
/// valid only during the call.
public struct SSEEventView {
    /// The `event:` field, `message` when absent.
    public let event: String
    /// The last `id:` seen, if any.
    public let id: String?
    private let dataBytes: UnsafeRawBufferPointer?
    private let dataText: String

    init(event: String, id: String?, dataBytes: UnsafeRawBufferPointer) {
        (self.event, self.id, self.dataBytes, self.dataText) = (event, id, dataBytes, "")
    }

    /// A view of an event already built.
    public init(_ event: SSEEvent) {
        (self.event, self.id, self.dataBytes, self.dataText) = (event.event, event.id, nil, event.data)
    }

    /// Calls `body` with the data's UTF-8 bytes (the `data:` lines joined with `\n`).
    public func withData<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        if let dataBytes { return try body(dataBytes) }
        var text = dataText
        return try text.withUTF8 { try body(UnsafeRawBufferPointer($0)) }
    }

    /// The event, built (its data copied into a string).
    public var materialized: SSEEvent {
        SSEEvent(event: event, data: dataBytes.map { String(decoding: $0, as: UTF8.self) } ?? dataText, id: id)
    }
}

/// An incremental parser for `text/event-stream`, following the WHATWG event-stream rules.
///
/// Handles events split across reads at any byte, `\n`, `\r\n` and `\r` line ends, a leading
/// UTF-8 BOM, multi-line `data:`, `:` comments (keep-alives), fields without a value and the
/// optional space after the colon. An event is dispatched at a blank line, and only when it has
/// data; a final event without its blank line is dispatched by `finish()`.
///
/// A line that lies whole in the pushed bytes is read where it lies; so is the data of an event
/// of one `data:` line that ends in them (`push(_:to:)` hands it over as a view of those bytes).
/// Only what spans pushes is copied.
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

    /// What a visitor of `push(_:to:)` is given: an event; it returns true to stop the parser.
    public typealias Visitor = (SSEEventView) throws -> Bool

    public let maxEventBytes: Int
    /// True once an event grew past `maxEventBytes`; the stream is then unusable.
    public private(set) var isOverflowed = false
    private var line: [UInt8] = []
    /// The bytes of the pending event's data lines.
    private var dataBytes = 0
    private var sawFirstBytes = false
    private var lastWasCR = false
    private var eventType = ""
    /// The pending event's data lines, as copied; its first line may instead still lie in the
    /// bytes being pushed (`Input.data`).
    private var dataLines: [String] = []
    private var hasData = false
    private var lastID: String?

    /// The bytes being pushed, and the pending event's one data line while it lies in them.
    private struct Input {
        var data: UnsafeRawBufferPointer?
        var stopped = false
    }

    public init(maxEventBytes: Int = SSEParser.defaultMaxEventBytes) {
        self.maxEventBytes = maxEventBytes
    }

    /// Feeds bytes; returns the events they complete, in order.
    public mutating func push(_ bytes: some Sequence<UInt8>) -> [SSEEvent] {
        let contiguous = Array(bytes)
        return contiguous.withUnsafeBytes { push($0) }
    }

    /// Feeds bytes; returns the events they complete, in order.
    public mutating func push(_ bytes: UnsafeRawBufferPointer) -> [SSEEvent] {
        var events: [SSEEvent] = []
        push(bytes) { events.append($0.materialized); return false }
        return events
    }

    /// Feeds bytes, handing each event they complete to `visit` as it completes, in order; returns
    /// true when `visit` stopped the parser (returned true), which then must not be fed again.
    @discardableResult
    public mutating func push(_ bytes: UnsafeRawBufferPointer, to visit: Visitor) rethrows -> Bool {
        guard !isOverflowed else { return false }
        var input = Input()
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
                if pending != [0xEF, 0xBB, 0xBF] {
                    try pending.withUnsafeBytes { try feed($0, &input, visit) }
                    if input.stopped { return true }
                }
            }
        }
        try feed(UnsafeRawBufferPointer(rebasing: bytes[index...]), &input, visit)
        return input.stopped
    }

    /// Ends the stream: dispatches an event left without its terminating blank line.
    public mutating func finish() -> [SSEEvent] {
        var events: [SSEEvent] = []
        guard !isOverflowed else { return events }
        var input = Input()
        let visit: (SSEEventView) -> Bool = { events.append($0.materialized); return false }
        if !line.isEmpty {
            let last = line
            line.removeAll()
            last.withUnsafeBytes { processLine($0, &input, lasting: false, visit) }
        }
        if hasData { dispatch(&input, visit) }
        return events
    }

    /// Splits `bytes` into lines. A line that lies whole in `bytes` is handled where it lies; only
    /// a line split across pieces is gathered in `line` first. A data line still pending when the
    /// bytes end is copied.
    private mutating func feed(_ bytes: UnsafeRawBufferPointer, _ input: inout Input, _ visit: Visitor) rethrows {
        try splitLines(bytes, &input, visit)
        if !input.stopped, !isOverflowed { keepPendingData(&input) }
    }

    private mutating func splitLines(_ bytes: UnsafeRawBufferPointer, _ input: inout Input, _ visit: Visitor) rethrows {
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
                try processLine(piece, &input, lasting: true, visit)
            } else {
                line.append(contentsOf: piece)
                checkSize()
                if isOverflowed { return }
                var gathered: [UInt8] = []
                swap(&gathered, &line)
                try gathered.withUnsafeBytes { try processLine($0, &input, lasting: false, visit) }
                gathered.removeAll(keepingCapacity: true)
                swap(&gathered, &line)
            }
            if input.stopped { return }
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

    /// Handles one line; `lasting` says it lies in the pushed bytes (not in a buffer about to be
    /// reused), so that a data line may be read there when its event ends within them.
    private mutating func processLine(_ line: UnsafeRawBufferPointer, _ input: inout Input, lasting: Bool,
                                      _ visit: Visitor) rethrows {
        if line.isEmpty {
            if hasData { try dispatch(&input, visit) }
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
            keepPendingData(&input)
            if lasting && !hasData {
                input.data = value
            } else {
                dataLines.append(String(decoding: value, as: UTF8.self))
            }
            dataBytes += line.count
            hasData = true
        } else if name.equals("event") {
            eventType = String(decoding: value, as: UTF8.self)
        } else if name.equals("id") {
            if !value.contains(0) { lastID = String(decoding: value, as: UTF8.self) }
        }
        // `retry:` and unknown fields are ignored, as the spec says.
    }

    /// Copies the pending event's data line that still lies in the pushed bytes into `dataLines`.
    private mutating func keepPendingData(_ input: inout Input) {
        guard let data = input.data else { return }
        dataLines.append(String(decoding: data, as: UTF8.self))
        input.data = nil
    }

    /// Hands the pending event to the visitor and starts the next.
    private mutating func dispatch(_ input: inout Input, _ visit: Visitor) rethrows {
        let type = eventType.isEmpty ? "message" : eventType
        let view: SSEEventView
        if let data = input.data {
            view = SSEEventView(event: type, id: lastID, dataBytes: data)
        } else {
            let data = dataLines.count == 1 ? dataLines[0] : dataLines.joined(separator: "\n")
            view = SSEEventView(SSEEvent(event: type, data: data, id: lastID))
        }
        input.data = nil
        eventType = ""
        dataLines.removeAll(keepingCapacity: true)
        dataBytes = 0
        hasData = false
        if try visit(view) { input.stopped = true }
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
