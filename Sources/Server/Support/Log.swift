import FoundationEssentials
import Primitives

/// Diagnostics for humans, on stderr or a log file; never on the protocol stream.
///
/// Every line is scrubbed of known secrets before it is written (`Secrets.redact`, as every
/// message on stdout is: in their own form and as JSON writes them), and its control characters are
/// escaped (`\n`, `\u{1B}`, …), so that text from a client or an upstream (a method name, an id,
/// an error message) stays inside its one line and can neither forge a line nor send a terminal
/// escape sequence.
public final class Log: Sendable {
    public enum Level: Int, Sendable, Comparable, CaseIterable {
        case error, warn, info, debug

        public init?(name: String) {
            guard let level = Level.allCases.first(where: { "\($0)" == name.lowercased() }) else { return nil }
            self = level
        }

        public static func < (lhs: Level, rhs: Level) -> Bool { lhs.rawValue < rhs.rawValue }
    }

    public let level: Level
    private let fd: Int32
    private let secrets: Secrets

    /// - Parameter path: a file to append to; stderr when nil.
    public init(level: Level, path: String? = nil, secrets: Secrets) throws {
        self.level = level
        self.secrets = secrets
        if let path {
            let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
            guard fd >= 0 else { throw LogFileError(path: path, reason: ErrorNumber.text(errno)) }
            self.fd = fd
        } else {
            fd = STDERR_FILENO
        }
    }

    public struct LogFileError: Error, CustomStringConvertible {
        public let path: String
        public let reason: String
        public var description: String { "cannot open log file \(path): \(reason)" }
    }

    public func error(_ message: @autoclosure () -> String) { emit(.error, message) }
    public func warn(_ message: @autoclosure () -> String) { emit(.warn, message) }
    public func info(_ message: @autoclosure () -> String) { emit(.info, message) }
    public func debug(_ message: @autoclosure () -> String) { emit(.debug, message) }

    public func enabled(_ level: Level) -> Bool { level <= self.level }

    private func emit(_ level: Level, _ message: () -> String) {
        guard enabled(level) else { return }
        // URL passwords go however short they are; known secrets in any form, JSON-escaped too.
        var text = Array(URLPassword.redacted(in: message()).utf8)
        secrets.redact(&text)
        let line = "switchboard: \(level): \(Self.escapingControlCharacters(String(decoding: text, as: UTF8.self)))\n"
        _ = line.utf8CString.withUnsafeBufferPointer { write(fd, $0.baseAddress, $0.count - 1) }
    }

    /// `text` with every control character (C0, DEL, C1, and the line and paragraph separators
    /// U+2028 and U+2029) written as an escape: `\n`, `\r`, `\t`, else `\u{XX}`.
    static func escapingControlCharacters(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: isControl) else { return text }
        var escaped = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\n": escaped += "\\n"
            case "\r": escaped += "\\r"
            case "\t": escaped += "\\t"
            case _ where isControl(scalar): escaped += "\\u{\(String(scalar.value, radix: 16, uppercase: true))}"
            default: escaped.unicodeScalars.append(scalar)
            }
        }
        return escaped
    }

    private static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) || scalar.value == 0x2028 || scalar.value == 0x2029
    }
}
