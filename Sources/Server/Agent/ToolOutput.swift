import JSONRPC
import MCPClient

/// What a tool call gives the model: its text, cut to 256 KiB (`ToolResultText.capped`, at a
/// character boundary, with a note saying how much was left out), and any images, as chat image
/// parts.
struct ToolOutput: Sendable {
    var text: String
    var isError: Bool
    /// `{"type": "image_url", "image_url": {"url": "data:…"}}` parts.
    var images: [JSONValue] = []

    init(text: String, isError: Bool, images: [JSONValue] = []) {
        self.text = ToolResultText.capped(text)
        self.isError = isError
        self.images = images
    }

    /// What an MCP server's tool gave: its text was cut already, where its parts were joined.
    init(mcpResult result: MCPToolResult) {
        text = result.text
        isError = result.isError
        images = result.images.map { Self.imagePart(url: "data:\($0.mimeType);base64,\($0.base64)") }
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
                        images.append(Self.imagePart(url: url))
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

    /// A chat image part: `{"type": "image_url", "image_url": {"url": url}}`.
    private static func imagePart(url: String) -> JSONValue {
        ["type": "image_url", "image_url": ["url": .string(url)]]
    }
}
