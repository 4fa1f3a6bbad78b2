/// A JSON-RPC request id: a string or a number (kept as its literal so it echoes back unchanged).
///
/// Ids compare as JSON-RPC values: strings by their text, numbers by their value, so `1`, `1.0`
/// and `10e-1` are one id (a `$/cancelRequest` written by another JSON library still finds its
/// request) while `"1"` and `1` are two.
public enum RequestID: Hashable, Sendable, CustomStringConvertible {
    case string(String)
    case number(JSONNumber)

    /// The id from a message's `id` member, or nil when it is not a string or number.
    public init?(_ value: JSONValue) {
        switch value {
        case .string(let string): self = .string(string)
        case .number(let number): self = .number(number)
        default: return nil
        }
    }

    public var json: JSONValue {
        switch self {
        case .string(let string): .string(string)
        case .number(let number): .number(number)
        }
    }

    public var description: String {
        switch self {
        case .string(let string): "\"\(string)\""
        case .number(let number): number.literal
        }
    }

    public static func == (lhs: RequestID, rhs: RequestID) -> Bool {
        switch (lhs, rhs) {
        case (.string(let left), .string(let right)): left == right
        case (.number(let left), .number(let right)): left.decimalValue == right.decimalValue
        default: false
        }
    }

    public func hash(into hasher: inout Hasher) {
        switch self {
        case .string(let string):
            hasher.combine(0)
            hasher.combine(string)
        case .number(let number):
            hasher.combine(1)
            hasher.combine(number.decimalValue)
        }
    }
}

extension JSONNumber {
    /// The number's exact value in one spelling, `<sign><digits>e<exponent>` with no leading or
    /// trailing zeros in the digits (`"0"` for zero), so that two literals of one value are equal
    /// strings: `1`, `1.0`, `10e-1` and `0.1e1` all give `1e0`. An exponent too large for an Int
    /// leaves the literal as it is.
    var decimalValue: String {
        let bytes = Array(literal.utf8)
        var index = 0
        let negative = bytes.first == UInt8(ascii: "-")
        if negative { index += 1 }
        var digits: [UInt8] = []
        var fractionDigits = 0
        var inFraction = false
        while index < bytes.count, bytes[index] != UInt8(ascii: "e"), bytes[index] != UInt8(ascii: "E") {
            if bytes[index] == UInt8(ascii: ".") {
                inFraction = true
            } else {
                digits.append(bytes[index])
                if inFraction { fractionDigits += 1 }
            }
            index += 1
        }
        var exponent = 0
        if index < bytes.count {
            guard let written = Int(String(decoding: bytes[(index + 1)...], as: UTF8.self)) else { return literal }
            exponent = written
        }
        guard let first = digits.firstIndex(where: { $0 != UInt8(ascii: "0") }) else { return "0" }
        let last = digits.lastIndex(where: { $0 != UInt8(ascii: "0") })!
        let (shifted, overflow) = exponent.subtractingReportingOverflow(fractionDigits - (digits.count - 1 - last))
        guard !overflow else { return literal }
        return (negative ? "-" : "") + String(decoding: digits[first...last], as: UTF8.self) + "e\(shifted)"
    }
}
