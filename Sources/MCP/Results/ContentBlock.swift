import Primitives
import FoundationEssentials
import JSONRPC

/// One item of a tool result's `content`.
enum ContentBlock: Sendable {
    case text(String)
    /// An image, base64-encoded on the wire.
    case image(Data, mimeType: String)
    /// A file the tool wrote, as a `resource_link` (2025-06-18 and later).
    case link(SavedFile)
    /// A file the tool wrote, with its bytes: an embedded `resource` (every revision). Hosts that
    /// cannot take `audio` content (LangChain's adapter refuses the whole result) take this.
    case embedded(SavedFile, Data)

    /// The block as `version` has it; what a revision lacks is said in text instead.
    func json(for version: ProtocolVersion) -> [JSONValue] {
        switch self {
        case .text(let text):
            return [["type": "text", "text": .string(text)]]
        case .image(let data, let mimeType):
            return [["type": "image", "data": .string(data.base64EncodedString()), "mimeType": .string(mimeType)]]
        case .embedded(let file, let data):
            return [["type": "resource", "resource": .object(JSONObject([
                ("uri", .string(file.url.absoluteString)), ("mimeType", .string(file.mimeType)), ("blob", .string(data.base64EncodedString())),
            ]))]]
        case .link(let file):
            guard version.hasStructuredResults else { return [["type": "text", "text": .string("Saved \(file.summary)")]] }
            return [.object(JSONObject([
                ("type", "resource_link"), ("uri", .string(file.url.absoluteString)), ("name", .string(file.url.lastPathComponent)),
                ("mimeType", .string(file.mimeType)), ("size", .number(file.bytes)),
            ]))]
        }
    }
}

/// A file a tool wrote under the output folder.
struct SavedFile: Sendable {
    let url: URL
    let mimeType: String
    let bytes: Int

    /// The size of the file at `path` in bytes (links followed); 0 when it cannot be read.
    static func size(atPath path: String) -> Int {
        var info = stat()
        return stat(path, &info) == 0 ? Int(info.st_size) : 0
    }

    /// `name (type, N bytes): file:///…`
    var summary: String { "\(url.lastPathComponent) (\(mimeType), \(bytes) bytes): \(url.absoluteString)" }

    /// The blocks for a saved image or audio file: always the link, and the bytes inline when the
    /// file is at most `inlineLimit` bytes (and of a type the block can carry), before the link
    /// unless `linkFirst`.
    func blocks(inlineAs kind: (Data, String) -> ContentBlock, inlineLimit: Int, linkFirst: Bool = false) -> [ContentBlock] {
        guard bytes <= inlineLimit, mimeType != SavedFileType.fallback, let data = try? Data(contentsOf: url) else { return [.link(self)] }
        return linkFirst ? [.link(self), kind(data, mimeType)] : [kind(data, mimeType), .link(self)]
    }
}
