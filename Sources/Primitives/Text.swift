extension StringProtocol {
    /// Without leading and trailing white space (spaces, tabs, line breaks).
    public var trimmingWhitespace: String {
        guard let first = firstIndex(where: { !$0.isWhitespace }) else { return "" }
        let last = lastIndex(where: { !$0.isWhitespace })!
        return String(self[first...last])
    }
}

extension StringProtocol {
    /// The first control character (Unicode's category Cc: C0, DEL and C1) not in `allowed`; nil
    /// when there is none.
    public func firstControlCharacter(allowing allowed: Set<Unicode.Scalar> = []) -> Unicode.Scalar? {
        unicodeScalars.first { $0.properties.generalCategory == .control && !allowed.contains($0) }
    }
}

extension Unicode.Scalar {
    /// The code point as Unicode writes it, e.g. `U+000A`: names a character in an error without
    /// quoting the text around it.
    public var codePointText: String {
        let hex = String(value, radix: 16, uppercase: true)
        return "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
    }
}

extension Double {
    /// The number with `places` digits after the point (rounded), as `String(format: "%.Nf")` writes it.
    public func formatted(places: Int) -> String {
        guard isFinite else { return String(self) }
        var scale = 1.0
        for _ in 0..<places { scale *= 10 }
        let scaled = (abs(self) * scale).rounded()
        guard scaled < 1e18 else { return String(self) }
        let digits = String(Int64(scaled))
        let padded = String(repeating: "0", count: max(0, places + 1 - digits.count)) + digits
        let sign = self < 0 && scaled != 0 ? "-" : ""
        guard places > 0 else { return sign + padded }
        return sign + padded.dropLast(places) + "." + padded.suffix(places)
    }
}

extension String {
    /// The first range of `other` at or after `start`, ASCII letters compared without case.
    public func rangeIgnoringCase(of other: String, from start: Index? = nil) -> Range<Index>? {
        let needle = Array(other.utf8).map(Self.asciiLowercased)
        guard !needle.isEmpty else { return nil }
        let haystack = utf8
        var index = start ?? startIndex
        while let candidate = haystack[index...].firstIndex(where: { Self.asciiLowercased($0) == needle[0] }) {
            var end = candidate
            var matched = 0
            while matched < needle.count, end < haystack.endIndex, Self.asciiLowercased(haystack[end]) == needle[matched] {
                matched += 1
                end = haystack.index(after: end)
            }
            if matched == needle.count { return candidate..<end }
            index = haystack.index(after: candidate)
        }
        return nil
    }

    private static func asciiLowercased(_ byte: UInt8) -> UInt8 {
        (0x41...0x5A).contains(byte) ? byte + 0x20 : byte
    }
}

extension UnsafeRawBufferPointer {
    /// Whether these bytes are `literal`'s UTF-8: compared byte by byte in memory, for names a
    /// parser meets on every line (the generic `elementsEqual` with a `String.UTF8View` steps
    /// through string indices).
    public func equals(_ literal: StaticString) -> Bool {
        hasSameBytes(as: UnsafeRawBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount))
    }

    /// Whether `other` holds the same bytes (compared with `memcmp`).
    public func hasSameBytes(as other: UnsafeRawBufferPointer) -> Bool {
        guard count == other.count else { return false }
        guard count > 0, let mine = baseAddress, let theirs = other.baseAddress else { return true }
        return memcmp(mine, theirs, count) == 0
    }
}

extension Array<UInt8> {
    /// Whether `other` holds the same bytes (compared with `memcmp`, not element by element).
    public func hasSameBytes(as other: [UInt8]) -> Bool {
        withUnsafeBytes { mine in other.withUnsafeBytes { mine.hasSameBytes(as: $0) } }
    }
}

extension UnsafeBufferPointer<UInt8> {
    /// Whether these bytes are `literal`'s UTF-8 (see `UnsafeRawBufferPointer.equals`).
    public func equals(_ literal: StaticString) -> Bool {
        UnsafeRawBufferPointer(self).equals(literal)
    }
}
