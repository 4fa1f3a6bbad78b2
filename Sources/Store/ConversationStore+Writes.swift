import JSONRPC

extension ConversationStore {
    /// Appends `messages` to conversation `id` in one transaction, after whatever other processes
    /// appended meanwhile. With `create`, the conversation is made first, titled from its first
    /// user message. Returns the conversation as it now is.
    /// - Parameters:
    ///   - model: recorded as the conversation's model, when given.
    ///   - cwd: the working directory of the editor session appending (ACP): recorded when the
    ///     conversation has none yet (a conversation belongs to the first session's folder).
    @discardableResult
    public func append(_ messages: [StoredMessage], to id: String, create: Bool = false, model: String? = nil,
                       cwd: String? = nil) throws(StoreError) -> ConversationSummary {
        try with { (db) throws(StoreError) in
            try db.writing { () throws(StoreError) in
                let now = try Self.stamp(db)
                if create {
                    try db.run("INSERT INTO conversations (id, title, created_at, updated_at, model) VALUES (?1, ?2, ?3, ?3, ?4)",
                               [.text(id), .text(MessageText.title(from: messages.map(\.message))), .integer(now), SQLiteValue(model)])
                }
                guard let count = try db.integer("SELECT message_count FROM conversations WHERE id = ?1", [.text(id)]) else { throw Self.unknown(id) }
                for (offset, stored) in messages.enumerated() {
                    try db.run("INSERT INTO messages (conversation_id, position, role, message, text, status, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                               [.text(id), .integer(count + Int64(offset)), .text(stored.role), .text(stored.message.jsonText),
                                .text(MessageText.of(stored.message)), SQLiteValue(stored.status?.rawValue), .integer(now)])
                }
                try db.run("UPDATE conversations SET message_count = ?2, updated_at = ?3, model = coalesce(?4, model), cwd = coalesce(cwd, ?5) WHERE id = ?1",
                           [.text(id), .integer(count + Int64(messages.count)), .integer(now), SQLiteValue(model), SQLiteValue(cwd)])
                try record(id, in: db)
                return try Self.summary(of: id, in: db)
            }
        }
    }

    /// Renames conversation `id`.
    @discardableResult
    public func rename(_ id: String, title: String) throws(StoreError) -> ConversationSummary {
        try with { (db) throws(StoreError) in
            try db.writing { () throws(StoreError) in
                guard try db.run("UPDATE conversations SET title = ?2, updated_at = ?3 WHERE id = ?1",
                                 [.text(id), .text(title), .integer(try Self.stamp(db))]) == 1 else { throw Self.unknown(id) }
                try record(id, in: db)
                return try Self.summary(of: id, in: db)
            }
        }
    }

    /// Deletes conversation `id` and its messages.
    public func delete(_ id: String) throws(StoreError) {
        try with { (db) throws(StoreError) in
            try db.writing { () throws(StoreError) in
                guard try db.run("DELETE FROM conversations WHERE id = ?1", [.text(id)]) == 1 else { throw Self.unknown(id) }
                try record(id, in: db)
            }
        }
    }

    /// A new conversation `newID` holding the first `at` messages of `id` (all when nil), titled
    /// as `id`, remembering where it came from. `at` past the end is an error naming the count.
    public func fork(_ id: String, at: Int? = nil, newID: String) throws(StoreError) -> ConversationSummary {
        try with { (db) throws(StoreError) in
            try db.writing { () throws(StoreError) in
                let source = try Self.summary(of: id, in: db)
                let keep = at ?? source.messageCount
                guard keep >= 0 && keep <= source.messageCount else {
                    throw StoreError(.outOfRange, "at must be between 0 and \(source.messageCount) (the messages of \(id))")
                }
                let now = try Self.stamp(db)
                try db.run("""
                    INSERT INTO conversations (id, title, created_at, updated_at, model, message_count, forked_from, cwd)
                    SELECT ?2, title, ?3, ?3, model, ?4, id, cwd FROM conversations WHERE id = ?1
                    """, [.text(id), .text(newID), .integer(now), .integer(Int64(keep))])
                try db.run("""
                    INSERT INTO messages (conversation_id, position, role, message, text, status, created_at)
                    SELECT ?2, position, role, message, text, status, created_at FROM messages
                    WHERE conversation_id = ?1 AND position < ?3 ORDER BY position
                    """, [.text(id), .text(newID), .integer(Int64(keep))])
                try record(newID, in: db)
                return try Self.summary(of: newID, in: db)
            }
        }
    }

    /// The time of a change, in milliseconds: now, or just after the latest change when that is
    /// later (several in one millisecond, or a clock set back), so that the order of `list` is
    /// the order of the changes. Called inside the write transaction.
    private static func stamp(_ db: SQLiteConnection) throws(StoreError) -> Int64 {
        max(now(), (try db.integer("SELECT max(updated_at) FROM conversations") ?? 0) + 1)
    }

    /// Notes in the `changes` log that this process changed `id`, and keeps the log short.
    private func record(_ id: String, in db: SQLiteConnection) throws(StoreError) {
        try db.run("INSERT INTO changes (conversation_id, origin) VALUES (?1, ?2)", [.text(id), .text(origin)])
        try db.run("DELETE FROM changes WHERE seq <= last_insert_rowid() - 1000")
    }
}
