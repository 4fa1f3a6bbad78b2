import Foundation
import JSONRPC
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A file written under a temporary name in its destination's directory and renamed into place
/// only once complete: the destination never holds a partial file (an earlier file there stays
/// as it was until the rename), and a failed or cancelled write leaves nothing behind.
///
/// Used by one task at a time; call `commit()` at the end, or `discard()` on failure (an
/// uncommitted writer also discards itself when it goes away).
final class AtomicFileWriter {
    let destination: URL
    /// The param that named the destination, for errors.
    let field: String
    private let temporary: URL
    private var handle: FileHandle?
    private(set) var bytesWritten = 0

    /// Creates the temporary file (`.<name>.<random>.part`, mode 0644 less the umask).
    init(destination: URL, field: String) throws(ResponseError) {
        self.destination = destination
        self.field = field
        temporary = destination.deletingLastPathComponent()
            .appendingPathComponent(".\(destination.lastPathComponent).\(UUID().uuidString.prefix(8).lowercased()).part")
        let descriptor = open(temporary.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw Self.unwritable(destination, field: field, String(cString: strerror(errno))) }
        handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
    }

    deinit { discard() }

    /// Writes `data` to a new file at `destination`, atomically (on failure the writer goes away
    /// uncommitted, which removes the temporary file).
    static func write(_ data: Data, to destination: URL, field: String) throws(ResponseError) {
        let writer = try AtomicFileWriter(destination: destination, field: field)
        try writer.append(data)
        try writer.commit()
    }

    func append(_ data: Data) throws(ResponseError) {
        guard let handle else { return }
        do {
            try handle.write(contentsOf: data)
        } catch {
            throw Self.unwritable(destination, field: field, "\(error.localizedDescription)")
        }
        bytesWritten += data.count
    }

    /// Flushes the file to disk and renames it to `destination`, replacing any file there.
    func commit() throws(ResponseError) {
        guard let handle else { return }
        self.handle = nil
        do {
            try handle.synchronize()
            try handle.close()
        } catch {
            unlink(temporary.path)
            throw Self.unwritable(destination, field: field, "\(error.localizedDescription)")
        }
        guard rename(temporary.path, destination.path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary.path)
            throw Self.unwritable(destination, field: field, reason)
        }
    }

    /// Removes the temporary file; nothing at `destination` changes. Safe to call more than once.
    func discard() {
        guard let handle else { return }
        self.handle = nil
        try? handle.close()
        unlink(temporary.path)
    }

    static func unwritable(_ destination: URL, field: String, _ reason: String) -> ResponseError {
        ImageSource.fileError(destination.path, field: field, reason: "unwritable", "cannot be written: \(reason)")
    }
}
