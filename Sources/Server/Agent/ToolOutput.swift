import JSONRPC

/// What a tool call gives the model: its text, cut to `limit` bytes (at a character boundary,
/// with a note saying how much was left out), and any images, as chat image parts.
struct ToolOutput: Sendable {
    /// 256 KiB: more than a model can use in one result, less than a context window.
    static let limit = 256 * 1024

    var text: String
    var isError: Bool
    /// `{"type": "image_url", "image_url": {"url": "data:…"}}` parts.
    var images: [JSONValue] = []

    init(text: String, isError: Bool, images: [JSONValue] = []) {
        self.text = Self.cut(text)
        self.isError = isError
        self.images = images
    }

    /// `text` within `limit` bytes of UTF-8.
    static func cut(_ text: String, limit: Int = ToolOutput.limit) -> String {
        let bytes = text.utf8
        guard bytes.count > limit else { return text }
        var end = bytes.index(bytes.startIndex, offsetBy: limit)
        // Back to the start of a character: never half of one.
        while end > bytes.startIndex, (bytes[end] & 0xC0) == 0x80 { end = bytes.index(before: end) }
        let kept = String(decoding: bytes[..<end], as: UTF8.self)
        return kept + "\n[output cut at \(limit / 1024) KiB: \(bytes.count - kept.utf8.count) more bytes were left out]"
    }

    /// What the client's `tool.execute` answered: `content` as a string or as content parts
    /// (text parts joined with blank lines; `image_url` parts with a data: or http(s) URL kept as
    /// images, others named and left out), `is_error`.
    init(clientResult result: JSONValue) throws(ResponseError) {
        let isError = result["is_error"]?.boolValue ?? false
        switch result["content"] {
        case .string(let text)?:
            self.init(text: text, isError: isError)
        case .array(let parts)?:
            var texts: [String] = [], images: [JSONValue] = []
            for part in parts {
                if let text = part["text"]?.stringValue {
                    texts.append(text)
                } else if let url = part["image_url"]?["url"]?.stringValue {
                    if url.hasPrefix("data:") || url.hasPrefix("https://") || url.hasPrefix("http://") {
                        images.append(["type": "image_url", "image_url": ["url": .string(url)]])
                    } else {
                        texts.append("[an image the client gave as \"\(url.prefix(200))\" was left out: only data: and http(s) URLs are passed on]")
                    }
                } else {
                    texts.append("[a \(part["type"]?.stringValue ?? "content") part was left out]")
                }
            }
            self.init(text: texts.joined(separator: "\n\n"), isError: isError, images: images)
        default:
            throw ResponseError(.invalidParams, "tool.execute's answer needs content: a string or an array of content parts")
        }
    }
}
