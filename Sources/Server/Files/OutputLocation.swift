import Foundation
import JSONRPC

/// Where a method saves what it received: `output_path` (one file) or `output_dir` (a folder).
/// Checked before the upstream is asked, so a typo costs no API call. `~` is expanded (`LocalPath`).
enum OutputLocation {
    /// A file to create or replace: its folder must exist, and what is there, if anything, must be
    /// a regular file (see `AtomicFileWriter`).
    static func file(_ reference: String, field: String) throws(ResponseError) -> URL {
        let url = URL(fileURLWithPath: LocalPath.resolve(reference))
        _ = try AtomicFileWriter.replaceableMode(of: url, field: field)
        var isDirectory: ObjCBool = false
        let folder = url.deletingLastPathComponent().path
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ImageSource.fileError(url.path, field: field, reason: "not_found", "cannot be created: the directory \(folder) does not exist")
        }
        return url
    }

    /// An existing folder.
    static func directory(_ reference: String, field: String) throws(ResponseError) -> URL {
        let url = URL(fileURLWithPath: LocalPath.resolve(reference), isDirectory: true)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw ImageSource.fileError(url.path, field: field, reason: "not_found", "does not exist (create the directory first)")
        }
        guard isDirectory.boolValue else {
            throw ImageSource.fileError(url.path, field: field, reason: "unwritable", "is not a directory")
        }
        return url
    }
}
