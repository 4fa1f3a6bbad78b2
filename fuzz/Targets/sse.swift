// modules: JSONRPC Upstream Server
// max_len: 16384
import JSONRPC
import Server
import Upstream

// Target `sse`: the SSE parser (Sources/Upstream/SSEParser.swift) and the chat stream assembler
// (Sources/Server/Chat/ChatStreamAssembler.swift) fed the events it parses.
//
// The input is one `text/event-stream` body. It is parsed in one piece, one byte at a time and
// cut at points derived from the input (the pieces pushed through both `push` overloads); the
// three must give the same events, `finish()` included. No event type, data or id may hold a line break (data lines are joined with `\n`
// only). Every event's data that is JSON (not `[DONE]`) is added to a `ChatStreamAssembler`,
// whose result must round-trip as JSON, list its choices once each in `index` order, and hold
// in each choice the concatenation of that choice's `content` deltas.

/// One parse of a whole stream, its pieces pushed through the two `push` overloads in turn.
private func parse(_ pieces: [ArraySlice<UInt8>]) -> [SSEEvent] {
    var parser = SSEParser()
    var events: [SSEEvent] = []
    for (number, piece) in pieces.enumerated() {
        if number % 2 == 0 {
            events += Array(piece).withUnsafeBytes { parser.push($0) }
        } else {
            events += parser.push(piece)
        }
    }
    return events + parser.finish()
}

private func describe(_ events: [SSEEvent]) -> String {
    events.map { "(\($0.event.debugDescription), \($0.data.prefix(60).debugDescription), \($0.id?.debugDescription ?? "nil"))" }
        .joined(separator: ", ")
}

private func checkEvents(_ events: [SSEEvent]) {
    for event in events {
        check(!event.event.isEmpty, "an event with an empty type")
        check(!event.event.utf8.contains(where: { $0 == 0x0A || $0 == 0x0D }), "an event type holds a line break")
        check(!event.data.utf8.contains(0x0D), "event data holds a CR")
        check(!(event.id?.utf8.contains(where: { $0 == 0x0A || $0 == 0x0D || $0 == 0 }) ?? false), "an event id holds a line break or NUL")
    }
}

/// The `content` text each choice index should end with: its deltas (or messages) in order.
private func expectedContent(_ chunks: [JSONValue]) -> [Int: String] {
    var content: [Int: String] = [:]
    for chunk in chunks {
        guard chunk.objectValue != nil else { continue }
        for (position, choice) in (chunk["choices"]?.arrayValue ?? []).enumerated() {
            let index = choice["index"]?.intValue ?? position
            let message = choice["delta"]?.objectValue ?? choice["message"]?.objectValue
            if let piece = message?["content"]?.stringValue { content[index, default: ""] += piece }
        }
    }
    return content
}

private func checkAssembly(_ events: [SSEEvent]) {
    var assembler = ChatStreamAssembler()
    var chunks: [JSONValue] = []
    for event in events where event.data != "[DONE]" {
        guard let chunk = try? JSONParser.parse(event.data) else { continue }
        assembler.add(chunk)
        chunks.append(chunk)
        _ = assembler.isFinished
    }
    let result = assembler.result()
    checkRoundTrip(result, "assembled completion")
    let choices = result["choices"]?.arrayValue ?? []
    let indices = choices.compactMap { $0["index"]?.intValue }
    check(indices.count == choices.count && indices == indices.sorted() && Set(indices).count == indices.count,
          "choices are not listed once each in index order: \(indices)")
    for (index, text) in expectedContent(chunks) {
        let choice = choices.first { $0["index"]?.intValue == index }
        check(choice?["message"]?["content"]?.stringValue == text, "choice \(index) does not hold its concatenated content")
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = fuzzInput(data, size)
    var random = InputRandom(seed: input)
    let whole = checkSplitInvariance(input, random: &random, parse: parse, describe: { "[\(describe($0))]" })
    checkEvents(whole)
    checkAssembly(whole)
    return 0
}
