public import JSONRPC

/// Turns a `tools/call` result into an `MCPToolResult`, the text a model reads.
///
/// - Text parts are joined with blank lines.
/// - `structuredContent` is written as JSON text only when there is no text part. When both are
///   present the text parts are kept alone: the specification asks servers to put the serialized
///   structured content in a text part too, and the reference servers and fastmcp do, so adding it
///   would say the same thing twice (and spend the model's context on it).
/// - Image parts go to `images` (base64 as sent), not into the text.
/// - Audio, embedded resources and resource links are described in a line (`[audio: audio/wav,
///   2048 bytes]`, `[resource: file:///a.txt]` followed by an embedded text resource's text,
///   `[resource link: file:///b.txt (b.txt)]`); a part of an unknown type as `[TYPE content]`.
/// - The text is cut at `outputLimit` bytes of UTF-8, at a character boundary, with a note that
///   says how much was left out.
public enum ToolResultText {
    /// The most text of one result a model is given: 256 KiB.
    public static let outputLimit = 256 * 1024

    public static func make(_ result: JSONObject) -> MCPToolResult {
        var parts: [String] = []
        var images: [MCPToolResult.Image] = []
        for part in result["content"]?.arrayValue ?? [] {
            let type = part["type"]?.stringValue ?? "unknown"
            switch type {
            case "text":
                parts.append(part["text"]?.stringValue ?? "")
            case "image":
                images.append(MCPToolResult.Image(mimeType: part["mimeType"]?.stringValue ?? "image/png", base64: part["data"]?.stringValue ?? ""))
            case "audio":
                parts.append("[audio: \(part["mimeType"]?.stringValue ?? "unknown type"), \(decodedSize(part["data"])) bytes]")
            case "resource":
                parts.append(describeResource(part["resource"]))
            case "resource_link":
                let uri = part["uri"]?.stringValue ?? "?"
                let label = [part["name"]?.stringValue, part["description"]?.stringValue].compactMap { $0 }.joined(separator: ": ")
                parts.append("[resource link: \(uri)\(label.isEmpty ? "" : " (\(label))")]")
            default:
                parts.append("[\(type) content]")
            }
        }
        let hasText = result["content"]?.arrayValue?.contains { $0["type"]?.stringValue == "text" } ?? false
        if !hasText, let structured = result["structuredContent"], !structured.isNull {
            parts.insert(structured.jsonText, at: 0)
        }
        return MCPToolResult(text: capped(parts.joined(separator: "\n\n")), isError: result["isError"]?.boolValue ?? false, images: images)
    }

    private static func describeResource(_ resource: JSONValue?) -> String {
        let uri = resource?["uri"]?.stringValue ?? "?"
        if let text = resource?["text"]?.stringValue { return "[resource: \(uri)]\n\(text)" }
        let type = resource?["mimeType"]?.stringValue.map { "\($0), " } ?? ""
        return "[resource: \(uri) (\(type)\(decodedSize(resource?["blob"])) bytes of binary data)]"
    }

    /// The size of the data a base64 text holds.
    private static func decodedSize(_ value: JSONValue?) -> Int {
        let text = value?.stringValue ?? ""
        let padding = text.utf8.reversed().prefix { $0 == UInt8(ascii: "=") }.count
        return max(0, text.utf8.count / 4 * 3 - padding)
    }

    /// `text` cut at `limit` bytes of UTF-8 (at a character boundary, never half of one), with a
    /// note saying how much was left out; unchanged when it fits. Every tool result a model reads
    /// is cut here: an MCP server's and an editor's alike.
    public static func capped(_ text: String, limit: Int = outputLimit) -> String {
        let total = text.utf8.count
        guard total > limit else { return text }
        var end = text.utf8.index(text.utf8.startIndex, offsetBy: limit)
        while end.samePosition(in: text.unicodeScalars) == nil { end = text.utf8.index(before: end) }
        let kept = text[..<end]
        let size = limit % 1024 == 0 ? "\(limit / 1024) KiB" : "\(limit) bytes"
        return kept + "\n\n[output cut at \(size): \(total - kept.utf8.count) more bytes were left out]"
    }
}
