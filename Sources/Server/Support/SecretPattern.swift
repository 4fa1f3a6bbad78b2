#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One byte sequence `Secrets.redact` looks for, searched by its rarest byte in ordinary text (a
/// digit or a capital rather than a lowercase letter, a space or JSON's punctuation): `memchr`
/// then seldom stops where the rest does not match, which keeps a message without the secret
/// at about one scan of its bytes.
struct SecretPattern: Sendable, Equatable {
    let bytes: [UInt8]
    /// The offset in `bytes` of the byte searched for.
    let anchor: Int

    /// - Parameter bytes: not empty.
    init(_ bytes: [UInt8]) {
        self.bytes = bytes
        anchor = bytes.indices.min { Self.commonness(bytes[$0]) < Self.commonness(bytes[$1]) } ?? 0
    }

    /// How often `byte` comes in text and JSON, roughly: higher is more often.
    private static func commonness(_ byte: UInt8) -> Int {
        switch byte {
        case UInt8(ascii: "e"), UInt8(ascii: "t"), UInt8(ascii: "a"), UInt8(ascii: "o"), UInt8(ascii: "i"), UInt8(ascii: "n"),
             UInt8(ascii: "s"), UInt8(ascii: "r"), UInt8(ascii: " "), UInt8(ascii: "\""): 5
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: ","), UInt8(ascii: ":"), UInt8(ascii: "{"), UInt8(ascii: "}"): 4
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "-"), UInt8(ascii: "_"): 3
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): 2
        default: 1
        }
    }

    /// The offset of the first occurrence in `haystack` at or after `offset`.
    func first(in haystack: [UInt8], from offset: Int) -> Int? {
        let last = haystack.count - bytes.count
        guard offset <= last else { return nil }
        return haystack.withUnsafeBytes { haystack -> Int? in
            bytes.withUnsafeBytes { needle -> Int? in
                let base = haystack.baseAddress!
                let anchorByte = Int32(needle[anchor])
                // Candidates start in offset...last, so the anchor lies in offset + anchor ... last + anchor.
                var position = offset + anchor
                while position <= last + anchor, let hit = memchr(base + position, anchorByte, last + anchor - position + 1) {
                    let start = UnsafeRawPointer(hit) - base - anchor
                    if memcmp(base + start, needle.baseAddress!, needle.count) == 0 { return start }
                    position = start + anchor + 1
                }
                return nil
            }
        }
    }
}
