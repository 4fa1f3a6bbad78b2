#include "CLibraryLoader.h"

#include <dlfcn.h>
#include <stdio.h>

void *sb_library_load(const sb_library *library, const sb_library_symbol *symbols, size_t symbol_count, char *error,
                      size_t error_size) {
    void *handle = NULL;
    const char *loaded_name = NULL;
    char first_reason[256] = "not found";
    for (size_t i = 0; i < library->name_count && handle == NULL; i++) {
        handle = dlopen(library->names[i], RTLD_NOW | RTLD_LOCAL);
        loaded_name = library->names[i];
        if (handle == NULL && i == 0) {
            // The first name is the one this platform uses: its error says what is missing.
            const char *reason = dlerror();
            if (reason) snprintf(first_reason, sizeof first_reason, "%s", reason);
        }
    }
    if (handle == NULL) {
        snprintf(error, error_size, "%s could not be loaded (%s); install it, e.g. %s", library->label, first_reason,
                 library->install_hint);
        return NULL;
    }
    for (size_t i = 0; i < symbol_count; i++) {
        *symbols[i].slot = dlsym(handle, symbols[i].name);
        if (*symbols[i].slot == NULL) {
            snprintf(error, error_size, "%s lacks %s (%s)", loaded_name, symbols[i].name, library->version_hint);
            return NULL;
        }
    }
    return handle;
}
