public import JSONRPC

/// A conversation written out for people or programs.
public enum ConversationExport {
    /// The editors' chat format (editors/README.md, "The conversation format"): `## System`,
    /// `## You` and `## Assistant` blocks; a cancelled answer ends with `[cancelled]`, after a
    /// line closing any code fence it left open; images as `![image](url)` lines. Ends with an
    /// empty `## You` block, ready for the next question.
    public static func markdown(_ conversation: Conversation) -> String {
        var blocks: [String] = []
        for stored in conversation.messages {
            let heading: String
            switch stored.role {
            case "system", "developer": heading = "## System"
            case "assistant": heading = "## Assistant"
            case "user": heading = "## You"
            default: continue  // tool results have no block in the chat format
            }
            var body = MessageText.of(stored.message)
            for part in stored.message["content"]?.arrayValue ?? [] {
                if let url = part["image_url"]?["url"]?.stringValue, !url.hasPrefix("data:") { body += "\n![image](\(url))" }
            }
            if stored.status == .cancelled {
                if let fence = openFence(in: body) { body += "\n" + fence }
                body += "\n[cancelled]"
            }
            blocks.append(heading + "\n" + body.trimmingNewlines() + "\n")
        }
        blocks.append("## You\n")
        return blocks.joined(separator: "\n")
    }

    /// The conversation as JSON: its summary's fields plus `messages` (as `conversations.get`).
    public static func json(_ conversation: Conversation) -> JSONValue {
        guard case .object(var object) = conversation.summary.json else { return .null }
        object["messages"] = .array(conversation.messages.map(\.json))
        return .object(object)
    }

    /// The fence (a run of three or more backticks at a line's start) that `text` leaves open, if any.
    static func openFence(in text: String) -> String? {
        var open: String?
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let ticks = String(line.prefix { $0 == "`" })
            guard ticks.count >= 3 else { continue }
            if let current = open {
                if ticks.count >= current.count && line.dropFirst(ticks.count).allSatisfy(\.isWhitespace) { open = nil }
            } else {
                open = ticks
            }
        }
        return open
    }
}

extension String {
    /// Without line breaks at either end.
    func trimmingNewlines() -> String {
        var text = Substring(self)
        while text.first?.isNewline == true { text.removeFirst() }
        while text.last?.isNewline == true { text.removeLast() }
        return String(text)
    }
}
