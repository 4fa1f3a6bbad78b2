public import JSONRPC

/// The syslog severities of `notifications/message` (RFC 5424), least severe first.
public enum LogLevel: String, CaseIterable, Comparable, Sendable {
    case debug, info, notice, warning, error, critical, alert, emergency

    /// A level named in `logging/setLevel` or `_meta`; -32602 naming `field` otherwise.
    public init(_ value: JSONValue?, field: String) throws(ResponseError) {
        guard let name = value?.stringValue, let level = LogLevel(rawValue: name) else {
            let names = LogLevel.allCases.map(\.rawValue).joined(separator: ", ")
            throw .invalidParams(field: field, "must be a log level (\(names))")
        }
        self = level
    }

    public static func < (lhs: LogLevel, rhs: LogLevel) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}
