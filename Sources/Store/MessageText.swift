public import JSONRPC

/// The plain text of a chat message, for search, titles and Markdown.
public enum MessageText {
    /// `content` when it is a string; the text parts of a content array joined by blank lines;
    /// a tool call's function name and arguments. Images, audio and files contribute nothing.
    public static func of(_ message: JSONValue) -> String {
        var pieces: [String] = []
        switch message["content"] {
        case .string(let text): pieces.append(text)
        case .array(let parts): pieces += parts.compactMap { $0["text"]?.stringValue }
        default: break
        }
        for call in message["tool_calls"]?.arrayValue ?? [] {
            if let function = call["function"] { pieces.append("\(function["name"]?.stringValue ?? "")(\(function["arguments"]?.stringValue ?? ""))") }
        }
        return pieces.joined(separator: "\n\n")
    }

    /// A conversation's title from its first user message: its first non-empty line, spaces
    /// collapsed, at most `limit` characters (cut at a word, with "…"). No model call.
    public static func title(from messages: [JSONValue], limit: Int = 80) -> String {
        let text = messages.first { $0["role"]?.stringValue == "user" }.map(of) ?? ""
        let line = text.split(whereSeparator: \.isNewline).map { $0.split(whereSeparator: \.isWhitespace).joined(separator: " ") }
            .first { !$0.isEmpty } ?? ""
        guard line.count > limit else { return line.isEmpty ? "Untitled" : line }
        let cut = line.prefix(limit - 1)
        let atWord = cut.lastIndex(of: " ").map { cut[..<$0] } ?? cut
        return atWord + "…"
    }
}
