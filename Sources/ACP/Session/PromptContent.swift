import JSONRPC

/// A `session/prompt`'s content blocks as the user message of a chat: text as text, an image
/// as an `image_url` part (a data: URL), an embedded resource as text context naming its URI, a
/// resource link as a line naming the file (the model may read it with its file tool). A
/// message of text only is sent as one string.
enum PromptContent {
    static func userMessage(_ blocks: [JSONValue]) throws(ResponseError) -> JSONValue {
        var parts: [JSONValue] = []
        for (index, block) in blocks.enumerated() {
            let field = "prompt.\(index)"
            switch block["type"]?.stringValue {
            case "text":
                parts.append(text(block["text"]?.stringValue ?? ""))
            case "image":
                guard let data = block["data"]?.stringValue, let mime = block["mimeType"]?.stringValue else {
                    throw .invalidParams(field: field, "an image needs data and mimeType")
                }
                parts.append(["type": "image_url", "image_url": ["url": .string("data:\(mime);base64,\(data)")]])
            case "resource":
                let resource = block["resource"]
                let uri = resource?["uri"]?.stringValue ?? "(no uri)"
                if let body = resource?["text"]?.stringValue {
                    parts.append(text("Context from \(uri):\n```\n\(body)\n```"))
                } else {
                    parts.append(text("[\(uri): a binary resource (\(resource?["mimeType"]?.stringValue ?? "unknown type")), not shown]"))
                }
            case "resource_link":
                let uri = block["uri"]?.stringValue ?? ""
                parts.append(text("The user refers to \(block["name"]?.stringValue ?? uri): \(uri)"))
            case let type:
                throw .invalidParams(field: "\(field).type", "\(type.map { "\"\($0)\"" } ?? "a missing type") is not taken here (text, image, resource, resource_link)")
            }
        }
        guard !parts.isEmpty else { throw .invalidParams(field: "prompt", "is empty") }
        let texts = parts.compactMap { $0["type"] == "text" ? $0["text"]?.stringValue : nil }
        let content: JSONValue = texts.count == parts.count ? .string(texts.joined(separator: "\n\n")) : .array(parts)
        return ["role": "user", "content": content]
    }

    private static func text(_ text: String) -> JSONValue { ["type": "text", "text": .string(text)] }
}
