import CSQLite

/// A value bound to a statement's parameter.
enum SQLiteValue {
    case text(String)
    case integer(Int64)
    case null
}

extension SQLiteValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral {
    init(stringLiteral value: String) { self = .text(value) }
    init(integerLiteral value: Int64) { self = .integer(value) }
    init(_ value: String?) { self = value.map { .text($0) } ?? .null }
    init(_ value: Int) { self = .integer(Int64(value)) }
}

/// One prepared statement, owned by its connection (which caches and finalizes it).
final class SQLiteStatement {
    let handle: OpaquePointer

    init(handle: OpaquePointer) { self.handle = handle }

    deinit { sb_sqlite_finalize(handle) }

    /// Resets the statement and binds `values` to its parameters ?1, ?2, …
    func bind(_ values: [SQLiteValue]) {
        sb_sqlite_reset(handle)
        sb_sqlite_clear_bindings(handle)
        for (offset, value) in values.enumerated() {
            let index = Int32(offset + 1)
            switch value {
            case .text(let text):
                var text = text
                text.withUTF8 { bytes in
                    bytes.withMemoryRebound(to: CChar.self) { _ = sb_sqlite_bind_text(handle, index, $0.baseAddress, Int32($0.count)) }
                }
            case .integer(let number): sb_sqlite_bind_int64(handle, index, number)
            case .null: sb_sqlite_bind_null(handle, index)
            }
        }
    }

    /// Column `index` of the current row as text (nil for NULL).
    func text(_ index: Int32) -> String? {
        guard sb_sqlite_column_type(handle, index) != SB_SQLITE_NULL, let bytes = sb_sqlite_column_text(handle, index) else { return nil }
        return String(decoding: UnsafeBufferPointer(start: bytes, count: Int(sb_sqlite_column_bytes(handle, index))), as: UTF8.self)
    }

    /// Column `index` of the current row as an integer (0 for NULL).
    func integer(_ index: Int32) -> Int64 { sb_sqlite_column_int64(handle, index) }
}
