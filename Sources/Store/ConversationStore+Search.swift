extension ConversationStore {
    /// Messages whose text holds every word of `query` (any order, any case), best matches first
    /// with FTS5, else most recently updated conversations first.
    public func search(_ query: String, limit: Int) throws(StoreError) -> [SearchHit] {
        let words = query.split(whereSeparator: \.isWhitespace).map(String.init)
        guard !words.isEmpty else { return [] }
        return try with { (db) throws(StoreError) in
            if fullTextSearch {
                // Each word quoted: FTS5's query syntax (AND, NEAR, *, column:) is not the user's.
                let match = words.map { "\"" + $0.split(separator: "\"", omittingEmptySubsequences: false).joined(separator: "\"\"") + "\"" }.joined(separator: " ")
                return try db.query("""
                    SELECT \(Self.prefixed("c")), m.position, m.role, snippet(messages_fts, 0, '[', ']', '…', 12)
                    FROM messages_fts JOIN messages m ON m.rowid = messages_fts.rowid JOIN conversations c ON c.id = m.conversation_id
                    WHERE messages_fts MATCH ?1 ORDER BY rank LIMIT ?2
                    """, [.text(match), .init(limit)]) { Self.hit($0) }
            }
            let clauses = words.indices.map { "m.text LIKE ?\($0 + 2) ESCAPE '\\'" }.joined(separator: " AND ")
            let patterns = words.map { SQLiteValue.text("%" + Self.escapedForLike($0) + "%") }
            return try db.query("""
                SELECT \(Self.prefixed("c")), m.position, m.role, substr(m.text, 1, 160)
                FROM messages m JOIN conversations c ON c.id = m.conversation_id
                WHERE \(clauses) ORDER BY c.updated_at DESC, m.position LIMIT ?1
                """, [.init(limit)] + patterns) { Self.hit($0) }
        }
    }

    private static func prefixed(_ table: String) -> String {
        summaryColumns.split(separator: ", ").map { "\(table).\($0)" }.joined(separator: ", ")
    }

    private static func hit(_ row: SQLiteStatement) -> SearchHit {
        SearchHit(conversation: summary(row), position: Int(row.integer(summaryColumnCount)),
                  role: row.text(summaryColumnCount + 1) ?? "", snippet: row.text(summaryColumnCount + 2) ?? "")
    }

    private static func escapedForLike(_ word: String) -> String {
        var escaped = ""
        for character in word {
            if character == "%" || character == "_" || character == "\\" { escaped.append("\\") }
            escaped.append(character)
        }
        return escaped
    }
}
