import FoundationEssentials
public import JSONRPC
import Upstream

/// A file named in a request (an image, audio, a document): whether it is local, how it is read
/// (checked by the request's `ReadPolicy`, within its limits), and the errors that name it.
///
/// `resolve` turns an image reference into a URL the API accepts: `http(s)://` and `data:` URLs pass through unchanged; a local path (`~` expanded) or a
/// `file://` URL is checked by the request's `ReadPolicy`, read through its `FileBudget`
/// (which stops it at `max_file_bytes`, and all of a request's files at `max_request_file_bytes`,
/// while reading), its type sniffed
/// from its bytes, and inlined as a base64 `data:` URL. Errors name the path and the field it
/// came from.
public enum FileReference {
    /// - Throws: -32602 for an empty reference (the API's own examples show `"url": ""` to be
    ///   filled in), -32006 for a local file that cannot be read or is not an image.
    public static func resolve(_ reference: String, field: String, reads: inout LocalReads) throws(ResponseError) -> String {
        guard isLocal(reference) else { return reference }
        let (file, bytes) = try read(reference, field: field, reads: &reads)
        guard let mime = ImageFormat.imageType(of: bytes) else {
            throw fileError(file.path, field: field, reason: "unsupported_type",
                            "is not a PNG, JPEG, GIF or WebP image (checked from its bytes)")
        }
        return "data:\(mime);base64,\(bytes.base64EncodedString())"
    }

    /// The local file `reference` names, checked and read whole through `reads`; -32602 naming
    /// `field` when `reference` is empty or blank.
    static func read(_ reference: String, field: String, reads: inout LocalReads) throws(ResponseError) -> (LocalFile, Data) {
        guard !reference.allSatisfy(\.isWhitespace) else {
            throw .invalidParams(field: field, "is empty: give an http(s) URL, a data: URL, or the path of a local file")
        }
        let file = try reads.file(reference, field: field)
        return (file, try file.read(budget: &reads.budget))
    }

    /// Whether `reference` names a local file rather than a URL the API fetches itself.
    public static func isLocal(_ reference: String) -> Bool {
        let lowered = reference.lowercased()
        return !(lowered.hasPrefix("http://") || lowered.hasPrefix("https://") || lowered.hasPrefix("data:"))
    }

    static func fileError(_ path: String, field: String, reason: String, _ detail: String) -> ResponseError {
        ResponseError(.fileError, "\(field): file \(path) \(detail)",
                      data: ["path": .string(path), "reason": .string(reason), "field": .string(field)])
    }
}
