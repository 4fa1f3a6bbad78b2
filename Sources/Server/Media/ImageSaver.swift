import Foundation
import JSONRPC
import Upstream

/// Saves the images of an images API answer into `output_dir`: each `data[i].b64_json` is
/// decoded, each `data[i].url` downloaded (GET; the key goes only to the base URL's own origin),
/// written atomically as `image-<created>-<i>.<ext>` (the extension sniffed from the bytes:
/// png, jpg, gif, webp, else bin), and `path` is added to that item. The rest is unchanged.
struct ImageSaver {
    let directory: URL
    let target: UpstreamTarget
    let context: RequestContext
    /// The largest image downloaded.
    let maxBytes: Int

    func save(_ result: JSONValue) async throws -> JSONValue {
        guard var object = result.objectValue, var items = object["data"]?.arrayValue else { return result }
        let created = object["created"]?.intValue ?? Int(Date().timeIntervalSince1970)
        for (index, item) in items.enumerated() {
            guard let bytes = try await image(item, index: index) else { continue }
            let file = directory.appendingPathComponent("image-\(created)-\(index).\(Self.fileExtension(bytes))")
            try AtomicFileWriter.write(bytes, to: file, field: "output_dir")
            items[index]["path"] = .string(file.path)
        }
        object["data"] = .array(items)
        return .object(object)
    }

    /// The bytes of one item; nil when it carries neither `b64_json` nor `url`.
    private func image(_ item: JSONValue, index: Int) async throws -> Data? {
        if let base64 = item["b64_json"]?.stringValue {
            guard let bytes = Data(base64Encoded: base64, options: .ignoreUnknownCharacters) else {
                throw UpstreamError.badResponse(reason: "data.\(index).b64_json is not valid base64", upstreamError: nil)
            }
            return bytes
        }
        guard let link = item["url"]?.stringValue else { return nil }
        guard let url = URL(string: link), ["http", "https"].contains(url.scheme?.lowercased() ?? "") else {
            throw UpstreamError.badResponse(reason: "data.\(index).url is not an http(s) URL: \(context.secrets.excerpt(link, limit: 100))",
                                            upstreamError: nil)
        }
        let call = try await context.send({ target.download(url, accept: "image/*") }, target: target, redirects: .anyOrigin)
        return try await call.collectBody(limit: maxBytes, what: "image at data.\(index).url (max_file_bytes)")
    }

    static func fileExtension(_ bytes: Data) -> String {
        switch MIMESniffer.imageType(of: bytes) {
        case "image/png": "png"
        case "image/jpeg": "jpg"
        case "image/gif": "gif"
        case "image/webp": "webp"
        default: "bin"
        }
    }
}
