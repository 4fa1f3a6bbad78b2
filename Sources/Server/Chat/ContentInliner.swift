import JSONRPC
import Upstream

/// Replaces local file references in request content parts (images, audio, documents) with the
/// inlined bytes.
enum ContentInliner {
    /// Chat: walks `messages[*].content[*]`: parts of type `image_url` (whose `image_url` may be
    /// an object with `url` or a bare string) get their local image inlined, `input_audio` and
    /// `file` parts their local file (see `AttachmentInliner`).
    static func inline(_ messages: [JSONValue], reads: inout LocalReads) throws(ResponseError) -> [JSONValue] {
        try inlineParts(of: messages, field: "messages") { part, field throws(ResponseError) in
            switch part["type"]?.stringValue {
            case "image_url": try imagePart(part, field: field, reads: &reads)
            case "input_audio": try AttachmentInliner.audioPart(part, field: field, reads: &reads)
            case "file": try AttachmentInliner.filePart(part, container: "file", field: field, reads: &reads)
            default: nil
            }
        }
    }

    /// An `image_url` part with a local image inlined; nil when it has none.
    private static func imagePart(_ part: JSONValue, field: String, reads: inout LocalReads) throws(ResponseError) -> JSONValue? {
        var part = part
        if let url = part["image_url"]?["url"]?.stringValue, FileReference.isLocal(url) {
            part["image_url"]?["url"] = .string(try FileReference.resolve(url, field: field + ".image_url.url", reads: &reads))
        } else if let url = part["image_url"]?.stringValue, FileReference.isLocal(url) {
            part["image_url"] = ["url": .string(try FileReference.resolve(url, field: field + ".image_url", reads: &reads))]
        } else {
            return nil
        }
        return part
    }

    /// Responses: walks `input[*].content[*]`: parts of type `input_image`, whose `image_url` is a
    /// string, get their local image inlined, `input_file` parts their local `file_data`.
    static func inlineResponsesInput(_ items: [JSONValue], reads: inout LocalReads) throws(ResponseError) -> [JSONValue] {
        try inlineParts(of: items, field: "input") { part, field throws(ResponseError) in
            switch part["type"]?.stringValue {
            case "input_image":
                guard let url = part["image_url"]?.stringValue, FileReference.isLocal(url) else { return nil }
                var part = part
                part["image_url"] = .string(try FileReference.resolve(url, field: field + ".image_url", reads: &reads))
                return part
            case "input_file": return try AttachmentInliner.filePart(part, container: nil, field: field, reads: &reads)
            default: return nil
            }
        }
    }

    /// Applies `rewrite` to every part of every item's `content` array; it returns the new part,
    /// or nil to keep the part as it is. `field` names the part in errors (`messages.0.content.1`).
    private static func inlineParts(of items: [JSONValue], field: String,
                                    rewrite: (JSONValue, String) throws(ResponseError) -> JSONValue?) throws(ResponseError) -> [JSONValue] {
        var result = items
        for (itemIndex, item) in items.enumerated() {
            guard var parts = item["content"]?.arrayValue else { continue }
            var changed = false
            for (partIndex, part) in parts.enumerated() {
                guard let rewritten = try rewrite(part, "\(field).\(itemIndex).content.\(partIndex)") else { continue }
                parts[partIndex] = rewritten
                changed = true
            }
            if changed { result[itemIndex]["content"] = .array(parts) }
        }
        return result
    }
}
