import Primitives
import CSQLite

/// One connection to a database file, used by one thread at a time (its owner serialises calls),
/// with its prepared statements cached by SQL text.
final class SQLiteConnection {
    private let handle: OpaquePointer
    /// The file, for error messages.
    let path: String
    private var statements: [String: SQLiteStatement] = [:]

    /// Opens `path`, which must exist (the store creates it with mode 0600 first, so that SQLite
    /// never creates it with the umask's mode). Waits up to `busyTimeoutMilliseconds` for a
    /// lock another connection holds before a statement fails with `.busy`.
    init(path: String, busyTimeoutMilliseconds: Int32) throws(StoreError) {
        try SQLiteLibrary.load()
        var opened: OpaquePointer?
        let code = sb_sqlite_open(path, &opened, SB_SQLITE_OPEN_READWRITE | SB_SQLITE_OPEN_NOMUTEX)
        guard code == SB_SQLITE_OK, let opened else {
            let reason = opened.map { String(cString: sb_sqlite_errmsg($0)) } ?? String(cString: sb_sqlite_errstr(code))
            if let opened { sb_sqlite_close(opened) }
            throw StoreError(.failed, "the conversation store \(path) could not be opened: \(reason)")
        }
        handle = opened
        self.path = path
        sb_sqlite_busy_timeout(handle, busyTimeoutMilliseconds)
        busyTimeoutSeconds = Double(busyTimeoutMilliseconds) / 1000
    }

    private let busyTimeoutSeconds: Double

    deinit {
        statements.removeAll()
        sb_sqlite_close(handle)
    }

    /// Runs a statement that returns no rows; returns how many rows it changed.
    @discardableResult
    func run(_ sql: String, _ values: [SQLiteValue] = []) throws(StoreError) -> Int {
        let statement = try prepared(sql)
        statement.bind(values)
        defer { sb_sqlite_reset(statement.handle) }
        let code = sb_sqlite_step(statement.handle)
        guard code == SB_SQLITE_DONE || code == SB_SQLITE_ROW else { throw error(code) }
        return Int(sb_sqlite_changes(handle))
    }

    /// Runs a query, turning each row into a value with `row`.
    func query<Row>(_ sql: String, _ values: [SQLiteValue] = [], row: (SQLiteStatement) throws(StoreError) -> Row) throws(StoreError) -> [Row] {
        let statement = try prepared(sql)
        statement.bind(values)
        defer { sb_sqlite_reset(statement.handle) }
        var rows: [Row] = []
        while true {
            let code = sb_sqlite_step(statement.handle)
            if code == SB_SQLITE_DONE { return rows }
            guard code == SB_SQLITE_ROW else { throw error(code) }
            rows.append(try row(statement))
        }
    }

    /// The first column of the first row as an integer (nil when there is no row).
    func integer(_ sql: String, _ values: [SQLiteValue] = []) throws(StoreError) -> Int64? {
        try query(sql, values) { $0.integer(0) }.first
    }

    /// Runs `body` in a transaction that takes the write lock at once (`BEGIN IMMEDIATE`), so that
    /// two processes appending to one conversation take turns instead of one failing at commit.
    func writing<T>(_ body: () throws(StoreError) -> T) throws(StoreError) -> T {
        try run("BEGIN IMMEDIATE")
        do {
            let result = try body()
            try run("COMMIT")
            return result
        } catch {
            _ = try? run("ROLLBACK")
            throw error
        }
    }

    /// Runs `body` in a read transaction: what it reads is one consistent snapshot.
    func reading<T>(_ body: () throws(StoreError) -> T) throws(StoreError) -> T {
        try run("BEGIN")
        defer { _ = try? run("COMMIT") }
        return try body()
    }

    private func prepared(_ sql: String) throws(StoreError) -> SQLiteStatement {
        if let cached = statements[sql] { return cached }
        var made: OpaquePointer?
        let code = sb_sqlite_prepare(handle, sql, &made)
        guard code == SB_SQLITE_OK, let made else { throw error(code) }
        let statement = SQLiteStatement(handle: made)
        statements[sql] = statement
        return statement
    }

    /// The error for result code `code`, in the store's terms.
    private func error(_ code: Int32) -> StoreError {
        let reason = String(cString: sb_sqlite_errmsg(handle))
        switch code & 0xFF {
        case SB_SQLITE_BUSY, SB_SQLITE_LOCKED:
            return StoreError(.busy, "the conversation store \(path) is locked by another process "
                                  + "(waited \(busyTimeoutSeconds.formatted(places: 1)) s): \(reason)")
        case SB_SQLITE_NOTADB, SB_SQLITE_CORRUPT:
            return StoreError(.unusableFile, "the conversation store \(path) is not a usable SQLite database (\(reason)); "
                                          + "it was left untouched: move it away or set store_path")
        default:
            return StoreError(.failed, "the conversation store \(path) failed: \(reason)")
        }
    }
}
