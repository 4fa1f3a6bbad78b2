import Primitives
import FoundationEssentials
public import JSONRPC
import Transport

/// The secrets currently in use (API keys), so that logs and error messages can be scrubbed of them.
public final class Secrets: Sendable {
    /// Shorter strings are not treated as secrets: scrubbing them would mangle ordinary text.
    static let minimumLength = 6
    private let values = Locked<Set<String>>([])
    /// The byte sequences `redact` looks for: each secret's UTF-8, and its form inside a JSON
    /// string when that differs; longest first.
    private let patterns = Locked<[SecretPattern]>([])

    public init() {}

    public func register(_ secret: String) {
        guard secret.count >= Self.minimumLength else { return }
        var escaped: [UInt8] = []
        JSONValue.string(secret).write(into: &escaped)
        let forms = [Array(secret.utf8), Array(escaped.dropFirst().dropLast())]
        let inserted = values.withLock { $0.insert(secret).inserted }
        guard inserted else { return }
        patterns.withLock { patterns in
            for form in forms where !patterns.contains(where: { $0.bytes == form }) { patterns.append(SecretPattern(form)) }
            patterns.sort { $0.bytes.count > $1.bytes.count }
        }
    }

    /// The text `redact` and `scrub` put in a secret's place.
    static let replacement = Array("[redacted]".utf8)

    /// Replaces every known secret in `bytes` (a serialized message, or a log line) by
    /// `[redacted]`: as its UTF-8 and as a JSON string writes it (quotes and backslashes escaped).
    /// Replaced inside a JSON string, it leaves the message valid JSON.
    ///
    /// Made for every message written to stdout: a byte search per secret (`SecretPattern`:
    /// `memchr` for its rarest byte, `memcmp` for the rest), which costs a lock and about a scan
    /// per secret when none is there, and a lock when none is known.
    public func redact(_ bytes: inout [UInt8]) {
        let patterns = patterns.current
        guard !patterns.isEmpty else { return }
        for pattern in patterns where bytes.count >= pattern.bytes.count {
            guard var found = match(pattern, in: bytes, from: 0) else { continue }
            var result: [UInt8] = []
            result.reserveCapacity(bytes.count)
            var start = 0
            while true {
                result.append(contentsOf: bytes[start..<found])
                result.append(contentsOf: Self.replacement)
                start = found + pattern.bytes.count
                guard let next = match(pattern, in: bytes, from: start) else { break }
                found = next
            }
            result.append(contentsOf: bytes[start...])
            bytes = result
        }
    }

    /// The first occurrence of `pattern` at or after `offset` that does not start inside a JSON
    /// escape: the `f` of `\u000f` or the `n` of `\n` followed by the rest of a secret is not the
    /// secret (and replacing it would break the escape).
    private func match(_ pattern: SecretPattern, in bytes: [UInt8], from offset: Int) -> Int? {
        var offset = offset
        while let found = pattern.first(in: bytes, from: offset) {
            if !Self.startsInsideEscape(bytes, at: found) { return found }
            offset = found + 1
        }
        return nil
    }

    /// Whether `bytes[index]` is the letter after an escaping backslash, or one of a `\u`
    /// escape's four hex digits.
    static func startsInsideEscape(_ bytes: [UInt8], at index: Int) -> Bool {
        let backslash = UInt8(ascii: "\\")
        /// Whether an odd run of backslashes ends at `end` (so the last one escapes what follows).
        func escapes(_ end: Int) -> Bool {
            var count = 0
            var position = end
            while position >= 0, bytes[position] == backslash {
                count += 1
                position -= 1
            }
            return count % 2 == 1
        }
        if index >= 1, escapes(index - 1) { return true }
        for distance in 1...4 where index - distance >= 1 {
            if bytes[index - distance] == UInt8(ascii: "u"), escapes(index - distance - 1) { return true }
        }
        return false
    }

    /// `text` with every known secret replaced by `[redacted]` (longest first, so a secret that
    /// contains another is removed whole), and the password of every URL in it (`base_url` may
    /// hold one, of any length).
    public func scrub(_ text: String) -> String {
        let secrets = values.current
        var result = URLPassword.redacted(in: text)
        guard !secrets.isEmpty else { return result }
        for secret in secrets.sorted(by: { $0.count > $1.count }) where result.contains(secret) {
            result = result.replacing(secret, with: "[redacted]")
        }
        return result
    }

    /// At most `limit` characters of `text`, scrubbed before it is cut so that no part of a
    /// secret can survive the cut.
    public func excerpt(_ text: some StringProtocol, limit: Int) -> String {
        let clean = scrub(String(text))
        return clean.count > limit ? String(clean.prefix(limit)) + "…" : clean
    }

    /// `value` with every string (keys included) scrubbed.
    public func scrub(_ value: JSONValue) -> JSONValue {
        switch value {
        case .string(let string): return .string(scrub(string))
        case .array(let array): return .array(array.map(scrub))
        case .object(let object):
            return .object(JSONObject(object.map { (scrub($0.key), scrub($0.value)) }))
        default: return value
        }
    }
}
