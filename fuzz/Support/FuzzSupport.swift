import Glibc
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

    /// `bytes` cut at sampled points: before every byte of one window of up to 512 bytes, so that
    /// a delimiter of several bytes (CR LF, a byte order mark, a header name) is split at each of
    /// its positions in some run, and at up to 3 points before and after it. Splitting a 20 KB
    /// input before every byte made a run cost milliseconds; this costs little more than one parse,
    /// and over many runs (the points move with every mutation) reaches every position.
    mutating func sampledPieces(of bytes: [UInt8]) -> [ArraySlice<UInt8>] {
        guard !bytes.isEmpty else { return [] }
        let windowStart = below(bytes.count)
        let windowEnd = min(bytes.count, windowStart + 1 + below(512))
        var points = cuts(in: 0..<windowStart) + Array(windowStart...windowEnd) + cuts(in: windowEnd..<bytes.count)
        points.append(bytes.count)
        var start = 0
        return points.compactMap { end in
            defer { start = max(start, end) }
            return end > start ? bytes[start..<end] : nil
        }
    }

    /// Up to 3 points in `range`, in order.
    private mutating func cuts(in range: Range<Int>) -> [Int] {
        guard !range.isEmpty else { return [] }
        return (0..<below(4)).map { _ in range.lowerBound + below(range.count) }.sorted()
    }
}

/// Parses `input` in one piece and again cut at sampled points (`sampledPieces`), checks that
/// the two parses agree (`same`, by default `==`), and returns the result. `describe` shows a
/// result in a failure message.
func checkSplitInvariance<Output: Equatable>(_ input: [UInt8], random: inout InputRandom,
                                             parse: ([ArraySlice<UInt8>]) -> Output,
                                             same: (Output, Output) -> Bool = (==),
                                             describe: (Output) -> String) -> Output {
    let whole = parse([input[...]])
    let pieces = random.sampledPieces(of: input)
    let split = parse(pieces)
    check(same(split, whole), "in pieces \(pieces.map(\.count)): \(describe(split)); in one piece: \(describe(whole))")
    return whole
}

/// Whether two byte arrays are equal, compared by `memcmp`: the harness's own code is
/// instrumented for coverage, and comparing kilobytes byte by byte there cost more than the
/// parsing under test.
func sameBytes(_ a: ArraySlice<UInt8>, _ b: ArraySlice<UInt8>) -> Bool {
    guard a.count == b.count else { return false }
    guard !a.isEmpty else { return true }
    return a.withUnsafeBytes { left in b.withUnsafeBytes { right in memcmp(left.baseAddress!, right.baseAddress!, a.count) == 0 } }
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
