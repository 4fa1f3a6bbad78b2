import JSONRPC
import Server
import Testing

/// The property behind lossless stream assembly: for any assistant message, the chunks a server
/// streams of it assemble back into that same message (what the non-streamed request returns).
///
/// Messages and their chunkings are generated from seeds: every field kind the API streams
/// (content, refusal, reasoning_content, reasoning, audio, legacy function_call, tool_calls,
/// annotations) and unknown fields (strings, numbers, nested objects, arrays), each split into
/// pieces at random points and interleaved at random.
struct StreamAssemblyPropertyTests {
    /// SplitMix64: small, seedable, the same on every platform.
    struct Generator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static let alphabet = Array("abcdefghij XYZ,.!é😀\n\"{}:")

    static func text(_ random: inout Generator, maxLength: Int = 40) -> String {
        String((0..<Int.random(in: 0...maxLength, using: &random)).map { _ in alphabet.randomElement(using: &random)! })
    }

    /// `text` cut at random places; an empty text is one empty piece.
    static func pieces(of text: String, _ random: inout Generator) -> [String] {
        let characters = Array(text)
        guard !characters.isEmpty else { return [""] }
        var cuts = Set((0..<Int.random(in: 0...4, using: &random)).map { _ in Int.random(in: 1...characters.count, using: &random) })
        cuts.insert(characters.count)
        var start = 0
        return cuts.sorted().map { end in
            defer { start = end }
            return String(characters[start..<end])
        }
    }

    /// A random assistant message, as a non-streamed answer holds it.
    static func message(_ random: inout Generator) -> JSONObject {
        var message: JSONObject = ["role": "assistant", "content": Bool.random(using: &random) ? .string(text(&random)) : .null]
        if Bool.random(using: &random) { message["refusal"] = Bool.random(using: &random) ? .string(text(&random)) : .null }
        if Bool.random(using: &random) { message["reasoning_content"] = .string(text(&random)) }
        if Bool.random(using: &random) { message["reasoning"] = .string(text(&random)) }
        if Bool.random(using: &random) {
            message["audio"] = ["id": .string("audio_\(random.next() % 1000)"), "data": .string(text(&random, maxLength: 80)),
                                "transcript": .string(text(&random)), "expires_at": .number(Int(random.next() % 2_000_000_000))]
        }
        if Bool.random(using: &random) {
            message["function_call"] = ["name": .string("fn_\(random.next() % 100)"), "arguments": .string(text(&random))]
        }
        if Bool.random(using: &random) {
            message["tool_calls"] = .array((0..<Int.random(in: 1...3, using: &random)).map { number in
                ["id": .string("call_\(number)"), "type": "function",
                 "function": ["name": .string("tool_\(number)"), "arguments": .string(text(&random))]]
            })
        }
        if Bool.random(using: &random) {
            message["annotations"] = .array((0..<Int.random(in: 1...4, using: &random)).map { number in
                ["type": "url_citation", "url_citation": ["url": .string("https://example.com/\(number)"), "title": .string(text(&random)),
                                                          "start_index": .number(number), "end_index": .number(number + 5)]]
            })
        }
        if Bool.random(using: &random) {
            message["x_vendor"] = ["note": .string(text(&random)), "score": .number(Int(random.next() % 100)), "flag": .bool(Bool.random(using: &random)),
                                   "tags": .array((0..<Int.random(in: 1...3, using: &random)).map { _ in .string(text(&random, maxLength: 5)) })]
        }
        return message
    }

    /// The deltas a server streams for `value` at `key`: identifiers and scalars once, text in
    /// pieces, objects member by member, arrays in runs, tool calls as indexed fragments.
    static func fragments(_ key: String, _ value: JSONValue, _ random: inout Generator) -> [JSONObject] {
        switch value {
        case .string(let text) where !MergedObject.replacedKeys.contains(key) && key != "name":
            return pieces(of: text, &random).map { [key: .string($0)] }
        case .object(let members):
            return members.flatMap { member, memberValue in fragments(member, memberValue, &random).map { [key: .object($0)] } }
        case .array(let items) where key == "tool_calls":
            return items.enumerated().flatMap { index, call -> [JSONObject] in
                let first: JSONObject = ["index": .number(index), "id": call["id"]!, "type": call["type"]!,
                                         "function": ["name": call["function"]!["name"]!, "arguments": ""]]
                let rest = pieces(of: call["function"]!["arguments"]!.stringValue!, &random).map { piece -> JSONObject in
                    ["index": .number(index), "function": ["arguments": .string(piece)]]
                }
                return ([first] + rest).map { [key: .array([.object($0)])] }
            }
        case .array(let items):
            var runs: [JSONObject] = []
            var rest = items[...]
            while !rest.isEmpty {
                let count = Int.random(in: 1...rest.count, using: &random)
                runs.append([key: .array(Array(rest.prefix(count)))])
                rest = rest.dropFirst(count)
            }
            return runs
        default:
            return [[key: value]]
        }
    }

    /// Interleaves the fields' fragment lists at random, keeping each field's own order.
    static func interleave(_ lists: [[JSONObject]], _ random: inout Generator) -> [JSONObject] {
        var queues = lists.filter { !$0.isEmpty }.map { $0[...] }
        var merged: [JSONObject] = []
        while !queues.isEmpty {
            let pick = Int.random(in: 0..<queues.count, using: &random)
            merged.append(queues[pick].removeFirst())
            if queues[pick].isEmpty { queues.remove(at: pick) }
        }
        return merged
    }

    static func chunk(_ choices: [JSONValue], usage: JSONValue? = nil) -> JSONValue {
        var chunk: JSONObject = ["id": "chatcmpl-p", "object": "chat.completion.chunk", "created": 1, "model": "m", "choices": .array(choices)]
        if let usage { chunk["usage"] = usage }
        return .object(chunk)
    }

    @Test(arguments: 0..<300)
    func theAssembledStreamIsTheNonStreamedMessage(seed: Int) {
        var random = Generator(state: UInt64(seed))
        let message = Self.message(&random)
        var fields = message
        fields["role"] = nil
        let deltas = [["role": "assistant"]] + Self.interleave(fields.map { Self.fragments($0.key, $0.value, &random) }, &random)
        var assembler = ChatStreamAssembler()
        for delta in deltas {
            assembler.add(Self.chunk([["index": 0, "delta": .object(delta), "logprobs": .null, "finish_reason": .null]]))
        }
        assembler.add(Self.chunk([["index": 0, "delta": [:], "finish_reason": "stop"]]))
        let choice = assembler.result()["choices"]?[0]
        #expect(choice?["message"] == .object(message), "seed \(seed): deltas \(deltas.map { JSONValue.object($0).jsonText })")
        #expect(choice?["finish_reason"] == "stop")
    }

    @Test(arguments: 0..<50)
    func severalChoicesInterleavedAssembleEachToItsMessage(seed: Int) {
        var random = Generator(state: UInt64(1000 + seed))
        let messages = (0..<3).map { _ in Self.message(&random) }
        var streams = messages.map { message -> [JSONObject] in
            var fields = message
            fields["role"] = nil
            return [["role": "assistant"]] + Self.interleave(fields.map { Self.fragments($0.key, $0.value, &random) }, &random)
        }.map { $0[...] }
        var assembler = ChatStreamAssembler()
        while streams.contains(where: { !$0.isEmpty }) {
            var choices: [JSONValue] = []
            for index in streams.indices.shuffled(using: &random) where !streams[index].isEmpty && Bool.random(using: &random) {
                choices.append(["index": .number(index), "delta": .object(streams[index].removeFirst())])
            }
            assembler.add(Self.chunk(choices))
        }
        let assembled = assembler.result()["choices"]?.arrayValue?.map { $0["message"] }
        #expect(assembled == messages.map { .object($0) }, "seed \(seed)")
    }
}
