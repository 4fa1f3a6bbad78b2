// The small part of SQLite's C API that the conversation store uses, declared here rather than
// taken from <sqlite3.h>: machines have the library (libsqlite3.so.0; macOS ships
// libsqlite3.dylib) but rarely its headers, and a SwiftPM build must not need a -dev package.
//
// The library is loaded with dlopen on first use (see CSQLite.c), not linked, as libcurl is: a
// daemon that never touches a conversation never maps it, and a machine without it still runs
// every method but the conversation ones, which fail with an error naming the missing library.
//
// The constants below are SQLite's stable ABI (result codes, open flags and column types never
// change between releases; see sqlite3.h). Functions present in SQLite 3.24 or later are used.
#ifndef SWITCHBOARD_CSQLITE_H
#define SWITCHBOARD_CSQLITE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// A database connection and a prepared statement.
typedef struct sb_sqlite sb_sqlite;
typedef struct sb_sqlite_stmt sb_sqlite_stmt;

#define SB_SQLITE_OK 0
#define SB_SQLITE_BUSY 5
#define SB_SQLITE_LOCKED 6
#define SB_SQLITE_READONLY 8
#define SB_SQLITE_CORRUPT 11
#define SB_SQLITE_FULL 13
#define SB_SQLITE_CANTOPEN 14
#define SB_SQLITE_NOTADB 26
#define SB_SQLITE_ROW 100
#define SB_SQLITE_DONE 101

#define SB_SQLITE_OPEN_READWRITE 0x00000002
#define SB_SQLITE_OPEN_CREATE 0x00000004
#define SB_SQLITE_OPEN_NOMUTEX 0x00008000
#define SB_SQLITE_OPEN_EXRESCODE 0x02000000

#define SB_SQLITE_INTEGER 1
#define SB_SQLITE_FLOAT 2
#define SB_SQLITE_TEXT 3
#define SB_SQLITE_BLOB 4
#define SB_SQLITE_NULL 5

/// Loads SQLite (once; later calls return the first success). Returns 0 on success; otherwise
/// fills `error` (NUL-terminated) with why it could not be loaded. A failed load is tried again
/// on the next call (it may have failed for want of a file descriptor).
int sb_sqlite_load(char *error, size_t error_size);
/// The loaded library's version, e.g. "3.40.1".
const char *sb_sqlite_libversion(void);
/// Whether the library was built with `option` (e.g. "ENABLE_FTS5"): 1 or 0.
int sb_sqlite_compileoption_used(const char *option);

int sb_sqlite_open(const char *path, sb_sqlite **db, int flags);
int sb_sqlite_close(sb_sqlite *db);
const char *sb_sqlite_errmsg(sb_sqlite *db);
const char *sb_sqlite_errstr(int code);
int sb_sqlite_busy_timeout(sb_sqlite *db, int milliseconds);
int sb_sqlite_changes(sb_sqlite *db);

int sb_sqlite_prepare(sb_sqlite *db, const char *sql, sb_sqlite_stmt **statement);
int sb_sqlite_step(sb_sqlite_stmt *statement);
int sb_sqlite_reset(sb_sqlite_stmt *statement);
int sb_sqlite_clear_bindings(sb_sqlite_stmt *statement);
int sb_sqlite_finalize(sb_sqlite_stmt *statement);
/// Binds a copy of `length` bytes of UTF-8 text (SQLITE_TRANSIENT).
int sb_sqlite_bind_text(sb_sqlite_stmt *statement, int index, const char *text, int length);
int sb_sqlite_bind_int64(sb_sqlite_stmt *statement, int index, int64_t value);
int sb_sqlite_bind_null(sb_sqlite_stmt *statement, int index);
int sb_sqlite_column_type(sb_sqlite_stmt *statement, int index);
int64_t sb_sqlite_column_int64(sb_sqlite_stmt *statement, int index);
/// The column's UTF-8 text (valid until the next step, reset or finalize) and its length.
const unsigned char *sb_sqlite_column_text(sb_sqlite_stmt *statement, int index);
int sb_sqlite_column_bytes(sb_sqlite_stmt *statement, int index);

#ifdef __cplusplus
}
#endif

#endif
