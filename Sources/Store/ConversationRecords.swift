public import JSONRPC

/// One conversation as `conversations.list` shows it.
public struct ConversationSummary: Sendable, Equatable {
    public let id: String
    public let title: String
    /// Milliseconds since 1970.
    public let createdAt: Int64
    public let updatedAt: Int64
    /// The model of the latest turn.
    public let model: String?
    public let messageCount: Int
    /// The conversation this one was forked from, if any.
    public let forkedFrom: String?
    /// The working directory of the editor session (ACP) it belongs to; nil when only other
    /// clients wrote to it. Not part of `json`.
    public let cwd: String?

    /// The wire form: times in seconds since 1970 (with milliseconds).
    public var json: JSONValue {
        var object = JSONObject([
            ("id", .string(id)), ("title", .string(title)), ("created_at", .number(JSONNumber(Double(createdAt) / 1000))),
            ("updated_at", .number(JSONNumber(Double(updatedAt) / 1000))), ("model", model.map { .string($0) } ?? .null),
            ("message_count", .number(JSONNumber(messageCount))),
        ])
        if let forkedFrom { object["forked_from"] = .string(forkedFrom) }
        return .object(object)
    }
}

/// How a stored message ended, when it did not end normally.
public enum MessageStatus: String, Sendable {
    /// The turn was cancelled: the message holds the partial answer.
    case cancelled
}

/// One stored message: the chat message object as it was sent or answered.
public struct StoredMessage: Sendable, Equatable {
    /// The message object (`role`, `content`, `tool_calls`, …), as the API takes it.
    public let message: JSONValue
    public let status: MessageStatus?

    public init(_ message: JSONValue, status: MessageStatus? = nil) {
        self.message = message
        self.status = status
    }

    public var role: String { message["role"]?.stringValue ?? "user" }

    /// The wire form in `conversations.get`: the message, with `"status": "cancelled"` when marked.
    public var json: JSONValue {
        guard let status, case .object(var object) = message else { return message }
        object["status"] = .string(status.rawValue)
        return .object(object)
    }
}

/// A conversation with its messages.
public struct Conversation: Sendable {
    public let summary: ConversationSummary
    public let messages: [StoredMessage]
}

/// A message that matched a search.
public struct SearchHit: Sendable {
    public let conversation: ConversationSummary
    /// The message's 0-based position in its conversation.
    public let position: Int
    public let role: String
    /// The matching text around the match, the matched words in [brackets] (FTS5) or the start
    /// of the message (LIKE).
    public let snippet: String

    public var json: JSONValue {
        .object(JSONObject([
            ("conversation_id", .string(conversation.id)), ("title", .string(conversation.title)),
            ("updated_at", .number(JSONNumber(Double(conversation.updatedAt) / 1000))),
            ("message_index", .number(JSONNumber(position))), ("role", .string(role)), ("snippet", .string(snippet)),
        ]))
    }
}
