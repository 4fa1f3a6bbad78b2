// Loading a system library at run time, as CCurl (libcurl) and CSQLite (SQLite) do: the first of
// the names it goes by that dlopen finds, then every function used, each looked up by name. A
// missing library or function is reported in one sentence that names it.
#ifndef SWITCHBOARD_CLIBRARYLOADER_H
#define SWITCHBOARD_CLIBRARYLOADER_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// One function a library must have: its name, and where its address goes.
typedef struct {
    const char *name;
    void **slot;
} sb_library_symbol;

/// What a library is called and how to tell the user to get it.
typedef struct {
    /// The names it goes by, the one this platform uses first (its dlopen error is the one shown).
    const char *const *names;
    size_t name_count;
    /// How the message names it, e.g. "libcurl".
    const char *label;
    /// Appended to "install it, e.g. ": e.g. "apt-get install libcurl4".
    const char *install_hint;
    /// Why a missing function means an old library, e.g. "libcurl 7.68 or later is needed".
    const char *version_hint;
} sb_library;

/// Opens the first of `library->names` that loads (RTLD_NOW | RTLD_LOCAL) and stores the address of
/// each of `symbols` in its slot. Returns the library's handle; NULL when it is missing or lacks a
/// function, with `error` (NUL-terminated) saying which.
void *sb_library_load(const sb_library *library, const sb_library_symbol *symbols, size_t symbol_count, char *error,
                      size_t error_size);

#ifdef __cplusplus
}
#endif

#endif
