import Primitives

extension ConversationStore {
    /// The conversations another process changed (appended to, renamed, forked into, deleted)
    /// since the last call, each once. Cheap when nothing changed: SQLite's `data_version`, which
    /// moves only when another connection commits, is read first, and the `changes` log only when
    /// it moved. Nothing calls this on a timer: see `ConversationWatch` in the daemon.
    public func changedElsewhere() throws(StoreError) -> [String] {
        try with { (db) throws(StoreError) in
            let version = try db.integer("PRAGMA data_version") ?? 0
            let last = seen.current
            guard version != last.dataVersion else { return [] }
            let rows = try db.query("SELECT seq, conversation_id, origin FROM changes WHERE seq > ?1 ORDER BY seq", [.integer(last.change)]) {
                (seq: $0.integer(0), id: $0.text(1) ?? "", origin: $0.text(2) ?? "")
            }
            seen.withLock { $0 = (version, rows.last?.seq ?? last.change) }
            var ids: [String] = []
            for row in rows where row.origin != origin && !ids.contains(row.id) { ids.append(row.id) }
            return ids
        }
    }
}
