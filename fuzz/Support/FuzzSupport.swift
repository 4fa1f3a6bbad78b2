import JSONRPC

// Shared by every fuzz target (compiled into each one; see fuzz/run.sh).

/// Stops the run when an invariant does not hold. libFuzzer reports the trap as a crash and
/// saves the input that caused it, so the message says what was expected and what happened.
func check(_ condition: Bool, _ message: @autoclosure () -> String) {
    if !condition { fatalError("fuzz invariant failed: \(message())") }
}

/// The input libFuzzer passes, as an array (it may pass a null pointer for an empty input).
func fuzzInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> [UInt8] {
    guard let data, size > 0 else { return [] }
    return Array(UnsafeBufferPointer(start: data, count: size))
}

/// A deterministic random source seeded from the input itself, so that a saved input replays
/// exactly: split points, limits and choices all come from here.
struct InputRandom {
    private var state: UInt64

    /// Seeds from an FNV-1a hash of `bytes`.
    init(seed bytes: [UInt8]) {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        state = hash
    }

    /// SplitMix64.
    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var mixed = state
        mixed = (mixed ^ (mixed >> 30)) &* 0xbf58_476d_1ce4_e5b9
        mixed = (mixed ^ (mixed >> 27)) &* 0x94d0_49bb_1331_11eb
        return mixed ^ (mixed >> 31)
    }

    /// A number in `0..<count`.
    mutating func below(_ count: Int) -> Int { Int(next() % UInt64(count)) }

    /// `bytes` cut into consecutive pieces: mostly 1–8 bytes, sometimes up to 600, now and then
    /// the whole rest, so that every delimiter lands on a boundary in some run.
    mutating func chunks(of bytes: [UInt8]) -> [ArraySlice<UInt8>] {
        var pieces: [ArraySlice<UInt8>] = []
        var start = 0
        while start < bytes.count {
            let length = switch below(8) {
            case 0: bytes.count - start
            case 1, 2: 1 + below(600)
            default: 1 + below(8)
            }
            let end = min(bytes.count, start + length)
            pieces.append(bytes[start..<end])
            start = end
        }
        return pieces
    }
}

/// Parses `input` in one piece, one byte at a time and in pieces cut by `random`, checks that the
/// three parses agree, and returns their result. `describe` shows a result in a failure message.
func checkSplitInvariance<Output: Equatable>(_ input: [UInt8], random: inout InputRandom,
                                             parse: ([ArraySlice<UInt8>]) -> Output,
                                             describe: (Output) -> String) -> Output {
    let whole = parse([input[...]])
    let byteWise = parse(input.indices.map { input[$0...$0] })
    check(byteWise == whole, "byte at a time: \(describe(byteWise)); in one piece: \(describe(whole))")
    let pieces = random.chunks(of: input)
    let split = parse(pieces)
    check(split == whole, "in pieces \(pieces.map(\.count)): \(describe(split)); in one piece: \(describe(whole))")
    return whole
}

/// Checks that `value` survives serialize → parse unchanged, that its encoding is valid UTF-8
/// and is a fixed point (serializing the re-parsed value gives the same bytes), and that equal
/// values hash equally.
func checkRoundTrip(_ value: JSONValue, _ what: @autoclosure () -> String) {
    let encoded = value.serialized()
    check(String(validating: encoded, as: UTF8.self) != nil, "\(what()): serialization is not valid UTF-8")
    let reparsed: JSONValue
    do {
        reparsed = try JSONParser.parse(encoded)
    } catch {
        fatalError("fuzz invariant failed: \(what()): serialization does not parse (\(error)): \(String(decoding: encoded, as: UTF8.self))")
    }
    check(reparsed == value, "\(what()): parse(serialize(v)) != v for \(String(decoding: encoded, as: UTF8.self))")
    check(reparsed.hashValue == value.hashValue, "\(what()): equal values hash differently")
    check(reparsed.serialized() == encoded, "\(what()): serialization is not a fixed point")
}
