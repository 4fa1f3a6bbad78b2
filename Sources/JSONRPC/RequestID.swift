/// A JSON-RPC request id: a string or a number (kept as its literal so it echoes back unchanged).
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
}
