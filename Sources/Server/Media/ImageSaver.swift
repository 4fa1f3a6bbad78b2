import Primitives
import FoundationEssentials
import JSONRPC
import Upstream

/// Saves the images of an images API answer into `output_dir`: each `data[i].b64_json` is
/// decoded, each `data[i].url` that is a `data:` URL too (llmock and some relays answer that way),
/// each other `url` downloaded (GET; the key goes only to the base URL's own origin). Each image
/// is written atomically to a file that did not exist before, `image-<created>-<i>.<ext>` or,
/// when that is taken, `image-<created>-<i>-<n>.<ext>` (the extension sniffed from the bytes:
/// png, jpg, gif, webp, else bin), and `path` is added to its item.
///
/// The images were generated, and paid for, before anything is saved, so one that cannot be
/// saved does not fail the request: its item gains `save_error` (a JSON-RPC error object) and
/// the others are saved. Cancelled midway, the request's error carries what was saved so far as
/// `data.partial`. The rest of the answer is unchanged.
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
            do {
                guard let bytes = try await image(item, index: index) else { continue }
                let name = { (attempt: Int) in
                    "image-\(created)-\(index)\(attempt == 0 ? "" : "-\(attempt + 1)").\(Self.fileExtension(bytes))"
                }
                let file = try await BlockingIO.run { () throws(ResponseError) in
                    try AtomicFileWriter.writeNew(bytes, in: directory, name: name, field: "output_dir")
                }
                items[index]["path"] = .string(file.path)
            } catch {
                if Task.isCancelled || error is CancellationError {
                    object["data"] = .array(items)
                    throw PartialOutputError(error, partial: .object(object))
                }
                let failure = ErrorConversion.responseError(for: error, cancelReason: nil, secrets: context.secrets,
                                                            attempts: context.attempts.current)
                context.log.warn("request \(context.id): image \(index) of the answer was not saved: \(failure.message)")
                items[index]["save_error"] = failure.json
            }
        }
        object["data"] = .array(items)
        return .object(object)
    }

    /// The bytes of one item; nil when it carries neither `b64_json` nor `url`.
    private func image(_ item: JSONValue, index: Int) async throws -> Data? {
        if let base64 = item["b64_json"]?.stringValue {
            return try Self.decodeBase64(base64, what: "data.\(index).b64_json")
        }
        guard let link = item["url"]?.stringValue else { return nil }
        if link.lowercased().hasPrefix("data:") {
            return try Self.decodeDataURL(link, what: "data.\(index).url")
        }
        guard let url = URL(string: link), ["http", "https"].contains(url.scheme?.lowercased() ?? "") else {
            throw UpstreamError.badResponse(reason: "data.\(index).url is not an http(s) or data: URL: \(context.secrets.excerpt(link, limit: 100))",
                                            upstreamError: nil)
        }
        let call = try await context.send({ target.download(url, accept: "image/*") }, target: target, redirects: .anyOrigin)
        return try await call.collectBody(limit: maxBytes, what: "image at data.\(index).url (max_file_bytes)")
    }

    static func decodeBase64(_ text: some StringProtocol, what: String) throws -> Data {
        guard let bytes = Data(base64Encoded: String(text), options: .ignoreUnknownCharacters) else {
            throw UpstreamError.badResponse(reason: "\(what) is not valid base64", upstreamError: nil)
        }
        return bytes
    }

    /// The bytes of a `data:` URL (RFC 2397): base64 after `;base64,`, else percent-encoded.
    static func decodeDataURL(_ link: String, what: String) throws -> Data {
        guard let comma = link.firstIndex(of: ",") else {
            throw UpstreamError.badResponse(reason: "\(what) is a data: URL without a comma", upstreamError: nil)
        }
        let header = link[..<comma].lowercased()
        let payload = link[link.index(after: comma)...]
        if header.hasSuffix(";base64") { return try decodeBase64(payload, what: what) }
        var bytes = Data()
        var rest = Substring(payload).utf8[...]
        while let byte = rest.popFirst() {
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                continue
            }
            guard rest.count >= 2, let value = UInt8(String(decoding: rest.prefix(2), as: UTF8.self), radix: 16) else {
                throw UpstreamError.badResponse(reason: "\(what) is a data: URL with a bad %-escape", upstreamError: nil)
            }
            bytes.append(value)
            rest = rest.dropFirst(2)
        }
        return bytes
    }

    static func fileExtension(_ bytes: Data) -> String {
        switch ImageFormat.imageType(of: bytes) {
        case "image/png": "png"
        case "image/jpeg": "jpg"
        case "image/gif": "gif"
        case "image/webp": "webp"
        default: "bin"
        }
    }
}
