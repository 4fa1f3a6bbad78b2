/// Reads a JSON text step by step without building a tree, for a caller that looks for one
/// expected shape (a stream's most common chunk) and falls back to `JSONParser` otherwise. Each
/// step reads what the caller expects and moves on, or says that it is not there (nil or false)
/// and leaves the cursor where the text no longer matched. Strings that are read are validated as
/// `JSONParser` validates them; values that are skipped are only delimited, not validated.
public struct JSONCursor {
    private var reader: Reader

    /// A cursor at the start of `bytes`, which must outlive it.
    public init(_ bytes: UnsafeBufferPointer<UInt8>) {
        reader = Reader(bytes: bytes)
    }

    /// The offset of the next byte to read.
    public var offset: Int { reader.index }

    /// True when only whitespace is left.
    public mutating func atEnd() -> Bool {
        reader.skipWhitespace()
        return reader.index == reader.bytes.count
    }

    /// Skips whitespace, then reads `byte` if it is next.
    public mutating func take(_ byte: UInt8) -> Bool {
        reader.skipWhitespace()
        guard reader.index < reader.bytes.count, reader.bytes[reader.index] == byte else { return false }
        reader.index += 1
        return true
    }

    /// Skips whitespace, then reads `null` if it is next.
    public mutating func takeNull() -> Bool {
        reader.skipWhitespace()
        guard reader.index < reader.bytes.count, reader.bytes[reader.index] == UInt8(ascii: "n") else { return false }
        return (try? reader.expectLiteral("null")) != nil
    }

    /// Reads a string without escapes (an object's key) and returns its bytes, quotes left out;
    /// nil when the next value is not such a string.
    public mutating func plainString() -> UnsafeBufferPointer<UInt8>? {
        guard take(UInt8(ascii: "\"")) else { return nil }
        let start = reader.index
        while reader.index < reader.bytes.count {
            switch reader.bytes[reader.index] {
            case UInt8(ascii: "\""):
                defer { reader.index += 1 }
                return UnsafeBufferPointer(rebasing: reader.bytes[start..<reader.index])
            case UInt8(ascii: "\\"), 0..<0x20:
                return nil
            default:
                reader.index += 1
            }
        }
        return nil
    }

    /// Reads a string, decoded; nil when the next value is not a valid string.
    public mutating func string() -> String? {
        reader.skipWhitespace()
        guard reader.index < reader.bytes.count, reader.bytes[reader.index] == UInt8(ascii: "\"") else { return nil }
        return try? reader.parseString()
    }

    /// Reads a non-negative integer that fits in an `Int`; nil for anything else.
    public mutating func integer() -> Int? {
        reader.skipWhitespace()
        var value = 0
        let start = reader.index
        while reader.index < reader.bytes.count, reader.isDigit(reader.bytes[reader.index]) {
            let (product, overflow) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = product.addingReportingOverflow(Int(reader.bytes[reader.index] - UInt8(ascii: "0")))
            guard !overflow, !overflow2 else { return nil }
            value = sum
            reader.index += 1
        }
        guard reader.index > start else { return nil }
        if reader.index < reader.bytes.count {
            switch reader.bytes[reader.index] {
            case UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E"): return nil
            default: break
            }
        }
        return value
    }

    /// Skips a string, number, `true`, `false` or `null`, returning the range of its bytes; nil
    /// (without moving on) when the next value is an object, an array, or not a value.
    public mutating func skipScalar() -> Range<Int>? {
        reader.skipWhitespace()
        let start = reader.index
        guard start < reader.bytes.count else { return nil }
        switch reader.bytes[start] {
        case UInt8(ascii: "\""):
            reader.index += 1
            while reader.index < reader.bytes.count {
                switch reader.bytes[reader.index] {
                case UInt8(ascii: "\""):
                    reader.index += 1
                    return start..<reader.index
                case UInt8(ascii: "\\"):
                    reader.index += 2
                default:
                    reader.index += 1
                }
            }
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "t"), UInt8(ascii: "f"), UInt8(ascii: "n"):
            // a number or a literal: up to the next delimiter
            while reader.index < reader.bytes.count {
                switch reader.bytes[reader.index] {
                case UInt8(ascii: ","), UInt8(ascii: "}"), UInt8(ascii: "]"), 0x20, 0x09, 0x0A, 0x0D:
                    return start..<reader.index
                default:
                    reader.index += 1
                }
            }
            return start..<reader.index
        default:
            break
        }
        reader.index = start
        return nil
    }
}
