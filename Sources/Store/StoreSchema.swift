/// The database's layout and the steps that bring an older file up to date, numbered by
/// `PRAGMA user_version`. A file is Switchboard's when its `application_id` is ours; a file that
/// is another program's, or was written by a newer Switchboard, is refused and left untouched.
enum StoreSchema {
    /// `application_id` of a Switchboard store: "SWBD".
    static let applicationID: Int64 = 0x5357_4244

    /// Migration n (1-based) brings a file at version n-1 to version n. Append, never edit.
    static func migrations(fullTextSearch: Bool) -> [[String]] {
        [version1(fullTextSearch: fullTextSearch), version2]
    }

    static var latest: Int64 { Int64(migrations(fullTextSearch: false).count) }

    /// Conversations; their messages (the message object as sent, as JSON, plus its text for
    /// search); a log of changes, by process, that `conversations.changed` is computed from; and
    /// when SQLite has FTS5, a full-text index over the messages' text kept by triggers.
    private static func version1(fullTextSearch: Bool) -> [String] {
        var steps = [
            """
            CREATE TABLE conversations (
                id TEXT PRIMARY KEY, title TEXT NOT NULL, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,
                model TEXT, message_count INTEGER NOT NULL DEFAULT 0, forked_from TEXT)
            """,
            "CREATE INDEX conversations_by_update ON conversations (updated_at DESC, id DESC)",
            """
            CREATE TABLE messages (
                conversation_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
                position INTEGER NOT NULL, role TEXT NOT NULL, message TEXT NOT NULL, text TEXT NOT NULL,
                status TEXT, created_at INTEGER NOT NULL, UNIQUE (conversation_id, position))
            """,
            "CREATE TABLE changes (seq INTEGER PRIMARY KEY AUTOINCREMENT, conversation_id TEXT NOT NULL, origin TEXT NOT NULL)",
        ]
        if fullTextSearch {
            steps += [
                "CREATE VIRTUAL TABLE messages_fts USING fts5 (text, content = 'messages', content_rowid = 'rowid')",
                "CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN INSERT INTO messages_fts (rowid, text) VALUES (new.rowid, new.text); END",
                """
                CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
                INSERT INTO messages_fts (messages_fts, rowid, text) VALUES ('delete', old.rowid, old.text); END
                """,
            ]
        }
        return steps
    }

    /// The working directory of the editor session (ACP) a conversation belongs to: set by the
    /// first ACP prompt stored in it, NULL for conversations only other clients wrote.
    private static let version2 = ["ALTER TABLE conversations ADD COLUMN cwd TEXT"]

    /// Checks that the file is a store this build can use, then migrates it. Reads before it
    /// writes anything: a file that is not a database, is damaged or is not ours stays as it was.
    /// - Parameter fullTextIndex: whether migration 1 makes the FTS5 index (SQLite has FTS5).
    static func prepare(_ db: SQLiteConnection, fullTextIndex: Bool) throws(StoreError) {
        let applicationID = try db.integer("PRAGMA application_id") ?? 0
        let version = try db.integer("PRAGMA user_version") ?? 0
        let objects = try db.integer("SELECT count(*) FROM sqlite_master") ?? 0
        guard applicationID == Self.applicationID || (applicationID == 0 && version == 0 && objects == 0) else {
            throw StoreError(.unusableFile, "\(db.path) is not a Switchboard conversation store (another program's database); "
                                         + "it was left untouched: set store_path to another file")
        }
        guard version <= latest else {
            throw StoreError(.unusableFile, "the conversation store \(db.path) was written by a newer Switchboard (schema \(version), "
                                         + "this one knows \(latest)); it was left untouched")
        }
        try db.run("PRAGMA journal_mode = WAL")
        try db.run("PRAGMA synchronous = NORMAL")
        try db.run("PRAGMA foreign_keys = ON")
        guard version < latest else { return }
        try db.writing { () throws(StoreError) in
            // Another process may have migrated the file since it was read above.
            let current = try db.integer("PRAGMA user_version") ?? 0
            let steps = migrations(fullTextSearch: fullTextIndex)
            for migration in steps.dropFirst(Int(current)) {
                for statement in migration { try db.run(statement) }
            }
            try db.run("PRAGMA user_version = \(steps.count)")
            try db.run("PRAGMA application_id = \(applicationID == 0 ? Self.applicationID : applicationID)")
        }
    }
}
