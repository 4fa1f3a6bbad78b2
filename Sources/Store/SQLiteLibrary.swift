import CSQLite

/// The system's SQLite, loaded on first use (see Sources/CSQLite/include/CSQLite.h).
enum SQLiteLibrary {
    /// Loads the library, or fails with an error naming it.
    static func load() throws(StoreError) {
        var reason = [CChar](repeating: 0, count: 512)
        guard sb_sqlite_load(&reason, reason.count) == 0 else {
            let text = String(decoding: reason.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw StoreError(.libraryMissing, "the conversation store needs SQLite: \(text)")
        }
    }

    /// Whether the library has the FTS5 full-text index (Debian's, Ubuntu's, Fedora's and
    /// macOS's builds do; a minimal build may not, and search then scans with LIKE).
    static var hasFTS5: Bool { sb_sqlite_compileoption_used("ENABLE_FTS5") == 1 }

    /// The library's version, e.g. "3.40.1".
    static var version: String { String(cString: sb_sqlite_libversion()) }
}
