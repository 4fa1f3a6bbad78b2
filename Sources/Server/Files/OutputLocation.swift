import Primitives
import FoundationEssentials
import JSONRPC

/// Where a method saves what it received: `output_path` (one file) or `output_dir` (a folder).
/// Checked before the upstream is asked, so a typo costs no API call. `~` is expanded (`LocalPath`).
enum OutputLocation {
    /// A file to create or replace: its folder must exist, and what is there, if anything, must be
    /// a regular file (see `AtomicFileWriter`).
    static func file(_ reference: String, field: String) throws(ResponseError) -> URL {
        let url = URL(fileURLWithPath: LocalPath.resolve(reference))
        _ = try AtomicFileWriter.replaceableMode(of: url, field: field)
        let folder = url.deletingLastPathComponent().path
        guard isDirectory(folder) == true else {
            throw FileReference.fileError(url.path, field: field, reason: "not_found", "cannot be created: the directory \(folder) does not exist")
        }
        return url
    }

    /// An existing folder.
    static func directory(_ reference: String, field: String) throws(ResponseError) -> URL {
        let url = URL(fileURLWithPath: LocalPath.resolve(reference), isDirectory: true)
        guard let isDirectory = isDirectory(url.path) else {
            throw FileReference.fileError(url.path, field: field, reason: "not_found", "does not exist (create the directory first)")
        }
        guard isDirectory else {
            throw FileReference.fileError(url.path, field: field, reason: "unwritable", "is not a directory")
        }
        return url
    }

    /// Whether `path` (links followed) is a directory; nil when nothing is there.
    private static func isDirectory(_ path: String) -> Bool? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return info.st_mode & S_IFMT == S_IFDIR
    }
}
