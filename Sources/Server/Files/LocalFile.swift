import FoundationEssentials
import JSONRPC
import Primitives
import Upstream

/// A local input file named by a request param, checked up front: the request's `ReadPolicy`
/// allows it (judged by where its symbolic links lead), it exists, is a regular file, is readable
/// and, as far as its reported size tells, fits `max_file_bytes`. It is opened by its real path. It is then read (inlined, or copied into an upload) through
/// a `FileBudget`, which holds the limits while reading. Every failure is -32006 naming the path
/// and the param.
struct LocalFile: Sendable {
    /// The path as the request gave it (`~` expanded, `file://` removed), for errors and names.
    let path: String
    /// The path with its symbolic links resolved: what is opened.
    let realPath: String
    /// The param that named the file, for errors: `file`, `image.1`, `mask`.
    let field: String
    /// The size the file system reports (0 for files in /proc, whatever they hold).
    let size: Int

    /// - Parameter reference: a path or a `file://` URL; http(s) and data: URLs are refused (-32602).
    /// - Parameter policy: which files the request may read.
    init(_ reference: String, field: String, maxBytes: Int, policy: ReadPolicy) throws(ResponseError) {
        guard FileReference.isLocal(reference) else {
            throw .invalidParams(field: field, "must be a local path or file:// URL (the file is uploaded from disk)")
        }
        self.field = field
        path = LocalPath.resolve(reference)
        realPath = try policy.check(path, field: field)
        var status = stat()
        guard stat(realPath, &status) == 0 else {
            throw errno == ENOENT || errno == ENOTDIR
                ? FileReference.fileError(path, field: field, reason: "not_found", "does not exist")
                : Self.unreadable(path, field: field, errno)
        }
        guard status.st_mode & S_IFMT == S_IFREG else {
            throw FileReference.fileError(path, field: field, reason: "unreadable", "is \(FileKind(mode: status.st_mode).description), not a regular file")
        }
        size = Int(status.st_size)
        if size > maxBytes {
            throw FileReference.fileError(path, field: field, reason: "too_large", "is \(size) bytes, over max_file_bytes (\(maxBytes))")
        }
        guard access(realPath, R_OK) == 0 else { throw unreadable(errno) }
    }

    /// The file's first `count` bytes (fewer for a shorter file), for sniffing its type.
    func head(_ count: Int = 16) throws(ResponseError) -> Data {
        let descriptor = FileIO.openRealPath(realPath)
        guard descriptor >= 0 else { throw unreadable(errno) }
        defer { close(descriptor) }
        var head = Data(count: count)
        do {
            let read = try head.withUnsafeMutableBytes { try FileIO.read(descriptor, into: $0) }
            head.removeSubrange(read...)
            return head
        } catch {
            throw unreadable((error as? SystemCallError)?.code ?? EIO)
        }
    }

    /// The file's own name (the last component of the path the request gave).
    var name: String { URL(fileURLWithPath: path).lastPathComponent }

    /// The whole file, read through `budget`.
    func read(budget: inout FileBudget) throws(ResponseError) -> Data {
        var bytes = Data()
        do {
            try budget.read(realPath) { bytes.append($0) }
        } catch let error as FileBudget.Exceeded {
            throw tooLarge(error.limit, budget: budget)
        } catch let error as FileBudget.ReadError {
            throw unreadable(error.code)
        } catch {
            throw unreadable(EIO)
        }
        return bytes
    }

    /// The error for a file that could not be opened or read, with `errno`'s reason (`code`):
    /// "Permission denied", or that the daemon has run out of file descriptors and how to raise
    /// its limit.
    func unreadable(_ code: Int32) -> ResponseError {
        guard code != ELOOP else {
            // The real path held no link when it was checked: one was put into it since.
            return FileReference.fileError(path, field: field, reason: "not_allowed",
                                           "changed after it was checked (a symbolic link appeared in \(realPath)), so it is not read")
        }
        return Self.unreadable(path, field: field, code)
    }

    private static func unreadable(_ path: String, field: String, _ code: Int32) -> ResponseError {
        FileReference.fileError(path, field: field, reason: "unreadable", "cannot be read: \(ErrorNumber.text(code))")
    }

    /// The error for a file that went over `limit` of `budget` while it was read.
    func tooLarge(_ limit: FileBudget.Limit, budget: FileBudget) -> ResponseError {
        switch limit {
        case .perFile:
            FileReference.fileError(path, field: field, reason: "too_large",
                                  "holds more than max_file_bytes (\(budget.perFile)); reading stopped there")
        case .total:
            FileReference.fileError(path, field: field, reason: "too_large",
                                  "brings the request's local files over max_request_file_bytes (\(budget.total)); reading stopped there")
        }
    }
}

extension FileBudget {
    /// The limits of `settings`: `max_file_bytes` per file, `max_request_file_bytes` in all.
    init(_ settings: Settings) {
        self.init(perFile: settings.maxFileBytes, total: settings.maxRequestFileBytes)
    }
}
