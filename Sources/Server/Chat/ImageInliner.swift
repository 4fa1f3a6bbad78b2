import JSONRPC
import Upstream

/// Replaces local image references in chat messages with inlined data URLs.
enum ImageInliner {
    /// Walks `messages[*].content[*]` parts of type `image_url`; `image_url` may be an object with
    /// `url` or a bare string.
    static func inline(_ messages: [JSONValue], budget: inout FileBudget) throws(ResponseError) -> [JSONValue] {
        var result = messages
        for (messageIndex, message) in messages.enumerated() {
            guard var parts = message["content"]?.arrayValue else { continue }
            var changed = false
            for (partIndex, part) in parts.enumerated() where part["type"]?.stringValue == "image_url" {
                let field = "messages.\(messageIndex).content.\(partIndex).image_url"
                if let url = part["image_url"]?["url"]?.stringValue, ImageSource.isLocal(url) {
                    parts[partIndex]["image_url"]?["url"] = .string(try ImageSource.resolve(url, field: field + ".url", budget: &budget))
                    changed = true
                } else if let url = part["image_url"]?.stringValue, ImageSource.isLocal(url) {
                    parts[partIndex]["image_url"] = ["url": .string(try ImageSource.resolve(url, field: field, budget: &budget))]
                    changed = true
                }
            }
            if changed { result[messageIndex]["content"] = .array(parts) }
        }
        return result
    }
}
