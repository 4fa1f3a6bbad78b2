public import FoundationEssentials
import Primitives

/// How much of the local files one request may read: each file at most `perFile` bytes, all of
/// them together at most `total`.
///
/// Files are read through `read(_:chunkSize:_:)`, which counts while it reads and stops at the
/// first byte over a limit. The size the file system reports is not trusted: a file in /proc
/// reports 0 and may have no end, and a file may grow after it was checked.
public struct FileBudget: Sendable {
    /// The limit a file went over.
    public enum Limit: Sendable, Equatable {
        case perFile, total
    }

    /// A file went over a limit; reading stopped there.
    public struct Exceeded: Error, Sendable {
        public let path: String
        public let limit: Limit
    }

    /// A file could not be opened or read.
    public struct ReadError: Error, Sendable {
        public let path: String
        public let underlying: any Error

        /// The failed call's `errno` (EIO when the failure was of another kind).
        public var code: Int32 { (underlying as? SystemCallError)?.code ?? EIO }
    }

    public let perFile: Int
    public let total: Int
    /// Bytes read so far, over every file.
    public private(set) var spent = 0

    /// No limit at all.
    public static let unlimited = FileBudget(perFile: .max, total: .max)

    public init(perFile: Int, total: Int) {
        self.perFile = perFile
        self.total = total
    }

    /// Reads the file at `path` from its start, handing `body` one chunk (at most `chunkSize`
    /// bytes) at a time, and stops at the first chunk that goes over a limit: no more than one
    /// chunk past it is ever read. (Whole chunks, so that kernel files that take only aligned
    /// reads, such as /proc/self/pagemap, are read as they want.)
    ///
    /// `path` is a real path, as `ReadPolicy` judged it: no symbolic link in it is followed, so a
    /// link put into it after the check fails the read (`ReadError` with `ELOOP`).
    /// - Throws: `ReadError` when the file cannot be opened or read, `Exceeded` as soon as it goes
    ///   over a limit, and whatever `body` throws.
    public mutating func read(_ path: String, chunkSize: Int = 256 * 1024, _ body: (Data) throws -> Void) throws {
        let descriptor = FileIO.openRealPath(path)
        guard descriptor >= 0 else {
            throw ReadError(path: path, underlying: SystemCallError("open"))
        }
        defer { close(descriptor) }
        var fileBytes = 0
        while true {
            var chunk = Data(count: chunkSize)
            do {
                let count = try chunk.withUnsafeMutableBytes { try FileIO.read(descriptor, into: $0) }
                chunk.removeSubrange(count...)
            } catch {
                throw ReadError(path: path, underlying: error)
            }
            if chunk.isEmpty { return }
            fileBytes += chunk.count
            spent += chunk.count
            if fileBytes > perFile { throw Exceeded(path: path, limit: .perFile) }
            if spent > total { throw Exceeded(path: path, limit: .total) }
            try body(chunk)
        }
    }
}
