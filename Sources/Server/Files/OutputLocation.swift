import Foundation
import JSONRPC

/// Where a method saves what it received: `output_path` (one file) or `output_dir` (a folder).
/// Checked before the upstream is asked, so a typo costs no API call. `~` is expanded (`LocalPath`).
enum OutputLocation {
    /// A file to create or replace: its folder must exist, and it must not itself be a folder.
    static func file(_ reference: String, field: String) throws(ResponseError) -> URL {
        let url = URL(fileURLWithPath: LocalPath.resolve(reference))
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue {
            throw ImageSource.fileError(url.path, field: field, reason: "unwritable", "is a directory (give a file name)")
        }
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
