import FoundationEssentials
import JSONRPC
import Primitives

/// A file written under a temporary name in its destination's directory and renamed into place
/// only once complete: the destination never holds a partial file (an earlier file there stays
/// as it was until the rename), and a failed or cancelled write leaves nothing behind.
///
/// Only a regular file is ever replaced, and it keeps its permissions: a directory, a symbolic
/// link, a FIFO or a device at the destination is refused (a rename would put a regular file in
/// its place, and writing through a link would land somewhere the request did not name). The
/// destination is checked when the writer is created and again just before the rename.
///
/// Used by one task at a time; call `commit()` at the end, or `discard()` on failure (an
/// uncommitted writer also discards itself when it goes away).
final class AtomicFileWriter {
    let destination: URL
    /// The param that named the destination, for errors.
    let field: String
    private let temporary: URL
    /// The temporary file, open for writing; nil once committed or discarded.
    private var descriptor: Int32?
    private(set) var bytesWritten = 0

    /// Creates the temporary file (`.<name>.<random>.part`): with the permission bits of the
    /// regular file it will replace, set before a byte is written, or 0644 less the umask for a
    /// new file.
    init(destination: URL, field: String) throws(ResponseError) {
        self.destination = destination
        self.field = field
        let existingMode = try Self.replaceableMode(of: destination, field: field)
        temporary = destination.deletingLastPathComponent()
            .appendingPathComponent(".\(destination.lastPathComponent).\(UUID().uuidString.prefix(8).lowercased()).part")
        let descriptor = open(temporary.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, existingMode == nil ? 0o644 : 0o600)
        guard descriptor >= 0 else { throw Self.unwritable(destination, field: field, ErrorNumber.text(errno)) }
        self.descriptor = descriptor
        if let existingMode, fchmod(descriptor, existingMode) != 0 {
            let reason = ErrorNumber.text(errno)
            discard()
            throw Self.unwritable(destination, field: field, reason)
        }
    }

    /// The permission bits of the regular file at `destination`; nil when nothing is there.
    /// Anything else there is refused (-32006 `unwritable`, naming what it is).
    static func replaceableMode(of destination: URL, field: String) throws(ResponseError) -> mode_t? {
        guard let (kind, mode) = FileKind.at(destination.path) else { return nil }
        switch kind {
        case .regular:
            return mode & 0o777
        case .directory:
            throw FileReference.fileError(destination.path, field: field, reason: "unwritable", "is a directory (give a file name)")
        default:
            throw FileReference.fileError(destination.path, field: field, reason: "unwritable",
                                        "is \(kind): only a regular file is replaced (name the file itself, or a new one)")
        }
    }

    /// Writes `data` to a file in `directory` that did not exist before: `name(0)`, else the
    /// first free one of `name(1)`, `name(2)`, … Each name is claimed with `O_EXCL` (so no file is
    /// ever overwritten, even by a concurrent request), then filled atomically. Returns the file.
    static func writeNew(_ data: Data, in directory: URL, name: (Int) -> String, field: String) throws(ResponseError) -> URL {
        for attempt in 0..<1000 {
            let candidate = directory.appendingPathComponent(name(attempt))
            let claim = open(candidate.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
            guard claim >= 0 else {
                if errno == EEXIST { continue }
                throw unwritable(candidate, field: field, ErrorNumber.text(errno))
            }
            close(claim)
            do throws(ResponseError) {
                try write(data, to: candidate, field: field)
            } catch {
                unlink(candidate.path)
                throw error
            }
            return candidate
        }
        throw unwritable(directory.appendingPathComponent(name(0)), field: field, "it and the next 999 names are taken")
    }

    deinit { discard() }

    /// Writes `data` to `destination`, atomically (on failure the writer goes away uncommitted,
    /// which removes the temporary file).
    static func write(_ data: Data, to destination: URL, field: String) throws(ResponseError) {
        let writer = try AtomicFileWriter(destination: destination, field: field)
        try writer.append(data)
        try writer.commit()
    }

    func append(_ data: Data) throws(ResponseError) {
        guard let descriptor else { return }
        do {
            try data.withUnsafeBytes { try FileIO.write(descriptor, $0) }
        } catch {
            throw Self.unwritable(destination, field: field, "\(error)")
        }
        bytesWritten += data.count
    }

    /// Flushes the file to disk and renames it to `destination`, replacing the regular file there,
    /// if any (anything else that appeared there meanwhile is refused).
    func commit() throws(ResponseError) {
        guard let descriptor else { return }
        self.descriptor = nil
        let synced = fsync(descriptor) == 0
        let reason = ErrorNumber.text(errno)
        guard close(descriptor) == 0 && synced else {
            unlink(temporary.path)
            throw Self.unwritable(destination, field: field, synced ? ErrorNumber.text(errno) : reason)
        }
        do throws(ResponseError) {
            _ = try Self.replaceableMode(of: destination, field: field)
        } catch {
            unlink(temporary.path)
            throw error
        }
        guard rename(temporary.path, destination.path) == 0 else {
            let reason = ErrorNumber.text(errno)
            unlink(temporary.path)
            throw Self.unwritable(destination, field: field, reason)
        }
    }

    /// Removes the temporary file; nothing at `destination` changes. Safe to call more than once.
    func discard() {
        guard let descriptor else { return }
        self.descriptor = nil
        close(descriptor)
        unlink(temporary.path)
    }

    static func unwritable(_ destination: URL, field: String, _ reason: String) -> ResponseError {
        FileReference.fileError(destination.path, field: field, reason: "unwritable", "cannot be written: \(reason)")
    }
}
