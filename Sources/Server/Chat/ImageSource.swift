import FoundationEssentials
public import JSONRPC
public import Upstream

/// Turns an image reference from a request into a URL the API accepts.
///
/// `http(s)://` and `data:` URLs pass through unchanged; a local path (`~` expanded) or a
/// `file://` URL is read through the request's `FileBudget` (which stops it at `max_file_bytes`,
/// and all of a request's files at `max_request_file_bytes`, while reading), its type sniffed
/// from its bytes, and inlined as a base64 `data:` URL. Errors name the path and the field it
/// came from.
public enum ImageSource {
    public static func resolve(_ reference: String, field: String, budget: inout FileBudget) throws(ResponseError) -> String {
        guard isLocal(reference) else { return reference }
        let file = try LocalFile(reference, field: field, maxBytes: budget.perFile)
        let bytes = try file.read(budget: &budget)
        guard let mime = MIMESniffer.imageType(of: bytes) else {
            throw fileError(file.path, field: field, reason: "unsupported_type",
                            "is not a PNG, JPEG, GIF or WebP image (checked from its bytes)")
        }
        return "data:\(mime);base64,\(bytes.base64EncodedString())"
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
