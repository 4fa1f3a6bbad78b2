import Primitives
import JSONRPC

/// The conversations every daemon of the user shares: one SQLite file in WAL mode, which any
/// number of processes open at once. Writes take the database's write lock for their whole
/// transaction (`BEGIN IMMEDIATE`), so two daemons appending to one conversation take turns and
/// lose nothing; a lock held longer than the busy time-out fails with `.busy`.
///
/// Every method blocks on file I/O: call them from `BlockingIO`, never on the cooperative pool.
/// One connection per store, its use serialised by a lock.
public final class ConversationStore: Sendable {
    /// The database file.
    public let path: String
    /// Whether search uses the FTS5 index (else a LIKE scan: the SQLite build lacks FTS5).
    public let fullTextSearch: Bool
    let connection: Locked<SQLiteConnection>
    /// This process's mark in the `changes` log, so that it can tell its own changes from others'.
    let origin: String
    /// What `changedElsewhere` last saw: `PRAGMA data_version` and the last `changes` row read.
    let seen: Locked<(dataVersion: Int64, change: Int64)>

    /// Opens (creating it when missing, mode 0600, in a folder made with mode 0700) and migrates
    /// the store at `path`. A file that is not a usable Switchboard store is refused untouched.
    /// - Parameter busyTimeout: how long a statement waits for another process's lock.
    public convenience init(path: String, busyTimeout: Double = 5) throws(StoreError) {
        try SQLiteLibrary.load()
        try self.init(path: path, busyTimeout: busyTimeout, fullTextIndex: SQLiteLibrary.hasFTS5)
    }

    /// - Parameter fullTextIndex: whether a new file gets the FTS5 index (false: search scans
    ///   with LIKE, as with a SQLite built without FTS5). A file keeps what it was made with.
    init(path: String, busyTimeout: Double, fullTextIndex: Bool) throws(StoreError) {
        try SQLiteLibrary.load()
        try Self.createFile(path)
        let db = try SQLiteConnection(path: path, busyTimeoutMilliseconds: Int32(busyTimeout * 1000))
        try StoreSchema.prepare(db, fullTextIndex: fullTextIndex)
        self.path = path
        fullTextSearch = try db.integer("SELECT count(*) FROM sqlite_master WHERE name = 'messages_fts'") == 1
        connection = Locked(db)
        var random = SystemRandomNumberGenerator()
        origin = String(random.next(), radix: 36) + "-\(getpid())"
        seen = Locked((try db.integer("PRAGMA data_version") ?? 0, try db.integer("SELECT coalesce(max(seq), 0) FROM changes") ?? 0))
    }

    /// Creates the file with mode 0600 (and its folder, 0700) when it does not exist yet, so that
    /// SQLite, which gives its -wal and -shm files the database's mode, never uses the umask's.
    private static func createFile(_ path: String) throws(StoreError) {
        var folder = ""
        for component in path.split(separator: "/").dropLast() {
            folder += (path.hasPrefix("/") || !folder.isEmpty ? "/" : "") + component
            mkdir(folder, 0o700)  // EEXIST for those that exist; a real failure shows in open below
        }
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        if fd >= 0 { close(fd); return }
        let code = errno
        guard code == EEXIST else {
            throw StoreError(.failed, "the conversation store \(path) could not be created: \(String(cString: strerror(code)))")
        }
    }

    /// Checks that SQLite can be loaded (it is loaded once, on first use), without opening a
    /// store: for telling clients up front whether conversations can be kept.
    /// - Throws: `.libraryMissing`, naming the library and how to install it.
    public static func checkLibrary() throws(StoreError) {
        try SQLiteLibrary.load()
    }

    /// Runs `body` with the connection, on the calling thread.
    func with<T>(_ body: (SQLiteConnection) throws(StoreError) -> T) throws(StoreError) -> T {
        try connection.withLock { (db: inout SQLiteConnection) -> Result<T, StoreError> in
            do throws(StoreError) { return .success(try body(db)) } catch { return .failure(error) }
        }.get()
    }

    /// Milliseconds since 1970.
    static func now() -> Int64 {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return Int64(time.tv_sec) * 1000 + Int64(time.tv_nsec) / 1_000_000
    }

    // MARK: - Reading

    static let summaryColumns = "id, title, created_at, updated_at, model, message_count, forked_from, cwd"
    static let summaryColumnCount: Int32 = 8

    static func summary(_ row: SQLiteStatement, from column: Int32 = 0) -> ConversationSummary {
        ConversationSummary(id: row.text(column) ?? "", title: row.text(column + 1) ?? "", createdAt: row.integer(column + 2),
                            updatedAt: row.integer(column + 3), model: row.text(column + 4),
                            messageCount: Int(row.integer(column + 5)), forkedFrom: row.text(column + 6), cwd: row.text(column + 7))
    }

    /// Which conversations `list` shows, by the working directory of their editor session.
    public enum FolderFilter: Sendable {
        /// All of them.
        case any
        /// Those an editor session (ACP) wrote to, whatever its folder.
        case sessions
        /// Those of editor sessions in this folder.
        case folder(String)

        var condition: String {
            switch self {
            case .any: "1"
            case .sessions: "cwd IS NOT NULL"
            case .folder: "cwd = ?3"
            }
        }

        var value: SQLiteValue {
            guard case .folder(let path) = self else { return .null }
            return .text(path)
        }
    }

    /// The most recently updated conversations first, at most `limit`; with `before`, those that
    /// come after that conversation in this order (a cursor: pass the last id of a page).
    /// - Parameter folders: which conversations, by their editor session's folder.
    public func list(limit: Int, before: String? = nil, folders: FolderFilter = .any) throws(StoreError) -> [ConversationSummary] {
        try with { (db) throws(StoreError) in
            guard let before else {
                return try db.query("SELECT \(Self.summaryColumns) FROM conversations WHERE \(folders.condition) ORDER BY updated_at DESC, id DESC LIMIT ?1",
                                    [.init(limit), .null, folders.value]) { Self.summary($0) }
            }
            return try db.reading { () throws(StoreError) in
                guard try db.integer("SELECT 1 FROM conversations WHERE id = ?1", [.text(before)]) != nil else { throw Self.unknown(before) }
                return try db.query("""
                    SELECT \(Self.summaryColumns) FROM conversations
                    WHERE (updated_at, id) < (SELECT updated_at, id FROM conversations WHERE id = ?2) AND \(folders.condition)
                    ORDER BY updated_at DESC, id DESC LIMIT ?1
                    """, [.init(limit), .text(before), folders.value]) { Self.summary($0) }
            }
        }
    }

    /// The conversation `id` with its messages, in order.
    public func conversation(_ id: String) throws(StoreError) -> Conversation {
        try with { (db) throws(StoreError) in
            try db.reading { () throws(StoreError) in
                let summary = try Self.summary(of: id, in: db)
                let messages = try db.query("SELECT message, status FROM messages WHERE conversation_id = ?1 ORDER BY position",
                                            [.text(id)]) { (row) throws(StoreError) in try Self.message(row) }
                return Conversation(summary: summary, messages: messages)
            }
        }
    }

    static func summary(of id: String, in db: SQLiteConnection) throws(StoreError) -> ConversationSummary {
        guard let found = try db.query("SELECT \(summaryColumns) FROM conversations WHERE id = ?1", [.text(id)], row: { summary($0) }).first else {
            throw unknown(id)
        }
        return found
    }

    static func message(_ row: SQLiteStatement) throws(StoreError) -> StoredMessage {
        let text = row.text(0) ?? "{}"
        guard let value = try? JSONParser.parse(text) else { throw StoreError(.unusableFile, "a stored message is not JSON") }
        return StoredMessage(value, status: row.text(1).flatMap(MessageStatus.init(rawValue:)))
    }

    static func unknown(_ id: String) -> StoreError {
        StoreError(.unknownConversation, "no conversation has the id \"\(id)\"")
    }
}
