import Foundation
import JSONRPC

/// A local input file named by a request param, checked up front so that it can then be streamed
/// from disk (never read whole): it exists, is a regular file, is readable and fits
/// `max_file_bytes`. Every failure is -32006 naming the path and the param.
struct LocalFile: Sendable {
    /// The path on disk (`~` expanded, `file://` removed).
    let path: String
    /// The param that named the file, for errors: `file`, `image.1`, `mask`.
    let field: String
    let size: Int

    /// - Parameter reference: a path or a `file://` URL; http(s) and data: URLs are refused (-32602).
    init(_ reference: String, field: String, maxBytes: Int) throws(ResponseError) {
        guard ImageSource.isLocal(reference) else {
            throw .invalidParams(field: field, "must be a local path or file:// URL (the file is uploaded from disk)")
        }
        self.field = field
        path = LocalPath.resolve(reference)
        guard FileManager.default.fileExists(atPath: path) else {
            throw ImageSource.fileError(path, field: field, reason: "not_found", "does not exist")
        }
        let attributes = (try? FileManager.default.attributesOfItem(atPath: path)) ?? [:]
        guard attributes[.type] as? FileAttributeType == .typeRegular else {
            let what = attributes[.type] as? FileAttributeType == .typeDirectory ? "is a directory" : "is not a regular file"
            throw ImageSource.fileError(path, field: field, reason: "unreadable", what)
        }
        size = (attributes[.size] as? NSNumber)?.intValue ?? 0
        if size > maxBytes {
            throw ImageSource.fileError(path, field: field, reason: "too_large", "is \(size) bytes, over max_file_bytes (\(maxBytes))")
        }
        guard FileManager.default.isReadableFile(atPath: path) else { throw unreadable() }
    }

    /// The file's first `count` bytes (fewer for a shorter file), for sniffing its type.
    func head(_ count: Int = 16) throws(ResponseError) -> Data {
        do {
            let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
            defer { try? handle.close() }
            return try handle.read(upToCount: count) ?? Data()
        } catch {
            throw unreadable()
        }
    }

    /// The error for a file that could not be opened or read.
    func unreadable() -> ResponseError {
        ImageSource.fileError(path, field: field, reason: "unreadable", "cannot be read (permissions?)")
    }
}
