public import FoundationEssentials
import Primitives

/// A `multipart/form-data` body (RFC 7578), written to a file so that large uploads are copied
/// from disk in chunks and never held whole in memory.
///
/// Parts are written in the order they were added, each as
/// `--boundary CRLF headers CRLF CRLF bytes CRLF`, and the body ends with `--boundary-- CRLF`.
/// Names and file names go into quoted strings with `"` and `\` escaped by a backslash; CR and LF,
/// which no header may hold, become `%0D` and `%0A` (as browsers do).
///
/// ```swift
/// var body = MultipartBody()
/// body.append(name: "model", value: "whisper-1")
/// body.appendFile(name: "file", path: "/tmp/talk.mp3")
/// let size = try body.write(to: temporaryURL)
/// // send with Content-Type: body.contentType, Content-Length: size
/// ```
public struct MultipartBody: Sendable {
    /// One part: a text field, or a file whose bytes are copied when the body is written.
    public enum Part: Sendable, Equatable {
        case field(name: String, value: String)
        /// `contentType` nil: sniffed from the file's first bytes, else its extension (`UploadContentType`).
        case file(name: String, path: String, filename: String, contentType: String?)
    }

    /// The delimiter between parts; never found in text a person writes.
    public let boundary: String
    public private(set) var parts: [Part] = []

    /// - Parameter boundary: random by default (RFC 2046 allows at most 70 characters).
    public init(boundary: String = MultipartBody.randomBoundary()) {
        self.boundary = boundary
    }

    /// `switchboard-` followed by 32 random hex digits.
    public static func randomBoundary() -> String {
        var generator = SystemRandomNumberGenerator()
        let digits = (0..<2).map { _ in String(generator.next() as UInt64, radix: 16) }
        return "switchboard-" + digits.map { String(repeating: "0", count: 16 - $0.count) + $0 }.joined()
    }

    /// The request's `Content-Type` header value.
    public var contentType: String { "multipart/form-data; boundary=\(boundary)" }

    public mutating func append(name: String, value: String) {
        parts.append(.field(name: name, value: value))
    }

    /// Adds the file at `path`. `filename` defaults to its last path component.
    public mutating func appendFile(name: String, path: String, filename: String? = nil, contentType: String? = nil) {
        let filename = filename ?? URL(fileURLWithPath: path).lastPathComponent
        parts.append(.file(name: name, path: path, filename: filename, contentType: contentType))
    }

    /// Writes the whole body to a file at `destination` (replacing one that is there; readable and
    /// writable by its owner only, whatever the umask, since it holds the files' bytes) and returns
    /// its size in bytes. Files are copied `chunkSize` bytes at a time through `budget`, which stops
    /// a file that goes over its limits while it is copied.
    /// - Throws: `FileBudget.ReadError` when a part's file cannot be opened or read,
    ///   `FileBudget.Exceeded` when one goes over a limit; other errors when `destination` cannot
    ///   be written.
    @discardableResult
    public func write(to destination: URL, chunkSize: Int = 256 * 1024, budget: FileBudget = .unlimited) throws -> Int {
        let descriptor = open(destination.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard descriptor >= 0, fchmod(descriptor, 0o600) == 0 else {
            if descriptor >= 0 { close(descriptor) }
            throw SystemCallError("open \(destination.path)")
        }
        defer { close(descriptor) }
        var written = 0
        var budget = budget
        // Small pieces (boundaries, headers, small chunks) are gathered into writes of 64 KiB.
        var pending = Data()
        func emit(_ data: Data) throws {
            pending.append(data)
            written += data.count
            if pending.count >= 64 * 1024 { try flush() }
        }
        func flush() throws {
            try pending.withUnsafeBytes { try FileIO.write(descriptor, $0) }
            pending.removeAll(keepingCapacity: true)
        }
        for part in parts {
            try emit(Data("--\(boundary)\r\n".utf8))
            switch part {
            case .field(let name, let value):
                try emit(Data("Content-Disposition: form-data; name=\(Self.quoted(name))\r\n\r\n".utf8))
                try emit(Data(value.utf8))
            case .file(let name, let path, let filename, let contentType):
                try copyFile(name: name, path: path, filename: filename, contentType: contentType, chunkSize: chunkSize,
                             budget: &budget, emit: emit)
            }
            try emit(Data("\r\n".utf8))
        }
        try emit(Data("--\(boundary)--\r\n".utf8))
        try flush()
        return written
    }

    /// Writes one file part's headers and bytes. The headers wait for the first chunk, so that the
    /// content type can be sniffed from it.
    private func copyFile(name: String, path: String, filename: String, contentType: String?, chunkSize: Int,
                          budget: inout FileBudget, emit: (Data) throws -> Void) throws {
        var headersWritten = false
        func writeHeaders(sniffing chunk: Data) throws {
            let type = contentType ?? UploadContentType.sniff(chunk, filename: filename)
            try emit(Data("Content-Disposition: form-data; name=\(Self.quoted(name)); filename=\(Self.quoted(filename))\r\n".utf8))
            try emit(Data("Content-Type: \(type)\r\n\r\n".utf8))
            headersWritten = true
        }
        try budget.read(path, chunkSize: chunkSize) { chunk in
            if !headersWritten { try writeHeaders(sniffing: chunk) }
            try emit(chunk)
        }
        if !headersWritten { try writeHeaders(sniffing: Data()) }
    }

    /// `text` as a quoted string for a Content-Disposition parameter.
    static func quoted(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"", "\\": result += "\\" + String(scalar)
            case "\r": result += "%0D"
            case "\n": result += "%0A"
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }
}
