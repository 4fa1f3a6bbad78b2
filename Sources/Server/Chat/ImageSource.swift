public import Foundation
public import JSONRPC

/// Turns an image reference from a request into a URL the API accepts.
///
/// `http(s)://` and `data:` URLs pass through unchanged; a local path (`~` expanded) or a
/// `file://` URL is read, checked against the size limit, its type sniffed from its bytes, and
/// inlined as a base64 `data:` URL. Errors name the path and the field it came from.
public enum ImageSource {
    public static func resolve(_ reference: String, field: String, maxBytes: Int) throws(ResponseError) -> String {
        let lowered = reference.lowercased()
        if lowered.hasPrefix("http://") || lowered.hasPrefix("https://") || lowered.hasPrefix("data:") {
            return reference
        }
        let path = LocalPath.resolve(reference)
        let bytes = try read(path, field: field, maxBytes: maxBytes)
        guard let mime = MIMESniffer.imageType(of: bytes) else {
            throw fileError(path, field: field, reason: "unsupported_type",
                            "is not a PNG, JPEG, GIF or WebP image (checked from its bytes)")
        }
        return "data:\(mime);base64,\(bytes.base64EncodedString())"
    }

    /// Whether `reference` names a local file rather than a URL the API fetches itself.
    public static func isLocal(_ reference: String) -> Bool {
        let lowered = reference.lowercased()
        return !(lowered.hasPrefix("http://") || lowered.hasPrefix("https://") || lowered.hasPrefix("data:"))
    }

    /// Reads a local file within `maxBytes`, with errors a user can act on.
    public static func read(_ path: String, field: String, maxBytes: Int) throws(ResponseError) -> Data {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw fileError(path, field: field, reason: "not_found", "does not exist")
        }
        if isDirectory.boolValue { throw fileError(path, field: field, reason: "unreadable", "is a directory") }
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.intValue ?? 0
        if size > maxBytes {
            throw fileError(path, field: field, reason: "too_large", "is \(size) bytes, over max_file_bytes (\(maxBytes))")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw fileError(path, field: field, reason: "unreadable", "cannot be read (permissions?)")
        }
        if data.count > maxBytes {
            throw fileError(path, field: field, reason: "too_large", "is over max_file_bytes (\(maxBytes))")
        }
        return data
    }

    static func fileError(_ path: String, field: String, reason: String, _ detail: String) -> ResponseError {
        ResponseError(.fileError, "\(field): file \(path) \(detail)",
                      data: ["path": .string(path), "reason": .string(reason), "field": .string(field)])
    }
}
