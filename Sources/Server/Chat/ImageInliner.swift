import JSONRPC
import Upstream

/// Replaces local image references in request content parts with inlined data URLs.
enum ImageInliner {
    /// Chat: walks `messages[*].content[*]` parts of type `image_url`; `image_url` may be an
    /// object with `url` or a bare string.
    static func inline(_ messages: [JSONValue], budget: inout FileBudget) throws(ResponseError) -> [JSONValue] {
        try inlineParts(of: messages, field: "messages") { part, field throws(ResponseError) in
            guard part["type"]?.stringValue == "image_url" else { return nil }
            var part = part
            if let url = part["image_url"]?["url"]?.stringValue, ImageSource.isLocal(url) {
                part["image_url"]?["url"] = .string(try ImageSource.resolve(url, field: field + ".image_url.url", budget: &budget))
            } else if let url = part["image_url"]?.stringValue, ImageSource.isLocal(url) {
                part["image_url"] = ["url": .string(try ImageSource.resolve(url, field: field + ".image_url", budget: &budget))]
            } else {
                return nil
            }
            return part
        }
    }

    /// Responses: walks `input[*].content[*]` parts of type `input_image`, whose `image_url` is a
    /// string.
    static func inlineResponsesInput(_ items: [JSONValue], budget: inout FileBudget) throws(ResponseError) -> [JSONValue] {
        try inlineParts(of: items, field: "input") { part, field throws(ResponseError) in
            guard part["type"]?.stringValue == "input_image", let url = part["image_url"]?.stringValue, ImageSource.isLocal(url) else { return nil }
            var part = part
            part["image_url"] = .string(try ImageSource.resolve(url, field: field + ".image_url", budget: &budget))
            return part
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
