// SQLite, loaded at run time. See include/CSQLite.h for why it is not linked.
#include "CSQLite.h"
#include "CLibraryLoader.h"

#include <pthread.h>
#include <stdio.h>

/// SQLITE_TRANSIENT: SQLite copies the bound text before the bind call returns.
#define TRANSIENT ((void (*)(void *))-1)

static struct {
    const char *(*libversion)(void);
    int (*compileoption_used)(const char *);
    int (*open_v2)(const char *, void **, int, const char *);
    int (*close_v2)(void *);
    const char *(*errmsg)(void *);
    const char *(*errstr)(int);
    int (*busy_timeout)(void *, int);
    int (*changes)(void *);
    int (*prepare_v2)(void *, const char *, int, void **, const char **);
    int (*step)(void *);
    int (*reset)(void *);
    int (*clear_bindings)(void *);
    int (*finalize)(void *);
    int (*bind_text)(void *, int, const char *, int, void (*)(void *));
    int (*bind_int64)(void *, int, int64_t);
    int (*bind_null)(void *, int);
    int (*column_type)(void *, int);
    int64_t (*column_int64)(void *, int);
    const unsigned char *(*column_text)(void *, int);
    int (*column_bytes)(void *, int);
} sqlite;

static pthread_mutex_t load_lock = PTHREAD_MUTEX_INITIALIZER;
static char load_error[512];
static int load_status = -1;

/// The names SQLite goes by: Linux distributions, then macOS; the first names it in errors.
#if defined(__APPLE__)
#define LIBRARY_NAME "libsqlite3.dylib"
static const char *const library_names[] = {LIBRARY_NAME, "/usr/lib/libsqlite3.dylib"};
#else
#define LIBRARY_NAME "libsqlite3.so.0"
static const char *const library_names[] = {LIBRARY_NAME, "libsqlite3.so"};
#endif

static const sb_library library = {
    library_names, sizeof library_names / sizeof library_names[0], LIBRARY_NAME, "apt-get install libsqlite3-0",
    "SQLite 3.24 or later is needed",
};

#define SYMBOL(field, name) {name, (void **)&sqlite.field}

static const sb_library_symbol symbols[] = {
    SYMBOL(libversion, "sqlite3_libversion"),
    SYMBOL(compileoption_used, "sqlite3_compileoption_used"),
    SYMBOL(open_v2, "sqlite3_open_v2"),
    SYMBOL(close_v2, "sqlite3_close_v2"),
    SYMBOL(errmsg, "sqlite3_errmsg"),
    SYMBOL(errstr, "sqlite3_errstr"),
    SYMBOL(busy_timeout, "sqlite3_busy_timeout"),
    SYMBOL(changes, "sqlite3_changes"),
    SYMBOL(prepare_v2, "sqlite3_prepare_v2"),
    SYMBOL(step, "sqlite3_step"),
    SYMBOL(reset, "sqlite3_reset"),
    SYMBOL(clear_bindings, "sqlite3_clear_bindings"),
    SYMBOL(finalize, "sqlite3_finalize"),
    SYMBOL(bind_text, "sqlite3_bind_text"),
    SYMBOL(bind_int64, "sqlite3_bind_int64"),
    SYMBOL(bind_null, "sqlite3_bind_null"),
    SYMBOL(column_type, "sqlite3_column_type"),
    SYMBOL(column_int64, "sqlite3_column_int64"),
    SYMBOL(column_text, "sqlite3_column_text"),
    SYMBOL(column_bytes, "sqlite3_column_bytes"),
};

static void load(void) {
    if (sb_library_load(&library, symbols, sizeof symbols / sizeof symbols[0], load_error, sizeof load_error) == NULL) return;
    load_status = 0;
}

int sb_sqlite_load(char *error, size_t error_size) {
    pthread_mutex_lock(&load_lock);
    if (load_status != 0) load();
    pthread_mutex_unlock(&load_lock);
    if (load_status != 0 && error != NULL && error_size > 0) snprintf(error, error_size, "%s", load_error);
    return load_status;
}

const char *sb_sqlite_libversion(void) { return sqlite.libversion(); }
int sb_sqlite_compileoption_used(const char *option) { return sqlite.compileoption_used(option); }

int sb_sqlite_open(const char *path, sb_sqlite **db, int flags) {
    return sqlite.open_v2(path, (void **)db, flags, NULL);
}
int sb_sqlite_close(sb_sqlite *db) { return sqlite.close_v2(db); }
const char *sb_sqlite_errmsg(sb_sqlite *db) { return sqlite.errmsg(db); }
const char *sb_sqlite_errstr(int code) { return sqlite.errstr(code); }
int sb_sqlite_busy_timeout(sb_sqlite *db, int milliseconds) { return sqlite.busy_timeout(db, milliseconds); }
int sb_sqlite_changes(sb_sqlite *db) { return sqlite.changes(db); }

int sb_sqlite_prepare(sb_sqlite *db, const char *sql, sb_sqlite_stmt **statement) {
    return sqlite.prepare_v2(db, sql, -1, (void **)statement, NULL);
}
int sb_sqlite_step(sb_sqlite_stmt *statement) { return sqlite.step(statement); }
int sb_sqlite_reset(sb_sqlite_stmt *statement) { return sqlite.reset(statement); }
int sb_sqlite_clear_bindings(sb_sqlite_stmt *statement) { return sqlite.clear_bindings(statement); }
int sb_sqlite_finalize(sb_sqlite_stmt *statement) { return sqlite.finalize(statement); }
int sb_sqlite_bind_text(sb_sqlite_stmt *statement, int index, const char *text, int length) {
    return sqlite.bind_text(statement, index, text, length, TRANSIENT);
}
int sb_sqlite_bind_int64(sb_sqlite_stmt *statement, int index, int64_t value) {
    return sqlite.bind_int64(statement, index, value);
}
int sb_sqlite_bind_null(sb_sqlite_stmt *statement, int index) { return sqlite.bind_null(statement, index); }
int sb_sqlite_column_type(sb_sqlite_stmt *statement, int index) { return sqlite.column_type(statement, index); }
int64_t sb_sqlite_column_int64(sb_sqlite_stmt *statement, int index) { return sqlite.column_int64(statement, index); }
const unsigned char *sb_sqlite_column_text(sb_sqlite_stmt *statement, int index) {
    return sqlite.column_text(statement, index);
}
int sb_sqlite_column_bytes(sb_sqlite_stmt *statement, int index) { return sqlite.column_bytes(statement, index); }
