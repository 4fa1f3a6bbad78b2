// libcurl, loaded at run time. See include/CCurl.h for why it is not linked.
//
// curl_easy_setopt and curl_easy_getinfo are variadic, which Swift cannot call; the wrappers here
// call them with one argument of the exact type each option expects.
#include "CCurl.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

typedef int (*setopt_fn)(void *, int, ...);
typedef int (*getinfo_fn)(void *, int, ...);

/// `struct CURLMsg` as curl.h lays it out.
struct curl_message {
    int msg;
    void *easy_handle;
    union {
        void *whatever;
        int result;
    } data;
};

enum { CURLMSG_DONE = 1, CURL_GLOBAL_ALL = 3 };

static struct {
    int (*global_init)(long);
    char *(*version)(void);
    void *(*easy_init)(void);
    void (*easy_cleanup)(void *);
    setopt_fn easy_setopt;
    getinfo_fn easy_getinfo;
    int (*easy_pause)(void *, int);
    const char *(*easy_strerror)(int);
    void *(*slist_append)(void *, const char *);
    void (*slist_free_all)(void *);
    void *(*multi_init)(void);
    setopt_fn multi_setopt;
    int (*multi_add_handle)(void *, void *);
    int (*multi_remove_handle)(void *, void *);
    int (*multi_perform)(void *, int *);
    int (*multi_poll)(void *, void *, unsigned int, int, int *);
    int (*multi_wakeup)(void *);
    struct curl_message *(*multi_info_read)(void *, int *);
    const char *(*multi_strerror)(int);
} curl;

static pthread_once_t load_once = PTHREAD_ONCE_INIT;
static char load_error[512];
static int load_status = -1;

/// The names libcurl goes by: Linux distributions, then macOS, then an unversioned development link.
static const char *const library_names[] = {
#if defined(__APPLE__)
    "libcurl.4.dylib", "/usr/lib/libcurl.4.dylib", "libcurl.dylib",
#else
    "libcurl.so.4", "libcurl.so",
#endif
};

#define RESOLVE(field, symbol)                                                                     \
    do {                                                                                           \
        *(void **)(&curl.field) = dlsym(library, symbol);                                          \
        if (curl.field == NULL) {                                                                  \
            snprintf(load_error, sizeof load_error, "%s lacks %s (libcurl 7.68 or later is needed)", \
                     loaded_name, symbol);                                                         \
            return;                                                                                \
        }                                                                                          \
    } while (0)

static void load(void) {
    void *library = NULL;
    const char *loaded_name = NULL;
    char first_reason[256] = "not found";
    for (size_t i = 0; i < sizeof library_names / sizeof library_names[0] && library == NULL; i++) {
        library = dlopen(library_names[i], RTLD_NOW | RTLD_LOCAL);
        loaded_name = library_names[i];
        if (library == NULL && i == 0) {
            // The first name is the one this platform uses: its error says what is missing.
            const char *reason = dlerror();
            if (reason) snprintf(first_reason, sizeof first_reason, "%s", reason);
        }
    }
    if (library == NULL) {
        snprintf(load_error, sizeof load_error,
                 "libcurl could not be loaded (%s); install it, e.g. apt-get install libcurl4", first_reason);
        return;
    }
    RESOLVE(global_init, "curl_global_init");
    RESOLVE(version, "curl_version");
    RESOLVE(easy_init, "curl_easy_init");
    RESOLVE(easy_cleanup, "curl_easy_cleanup");
    RESOLVE(easy_setopt, "curl_easy_setopt");
    RESOLVE(easy_getinfo, "curl_easy_getinfo");
    RESOLVE(easy_pause, "curl_easy_pause");
    RESOLVE(easy_strerror, "curl_easy_strerror");
    RESOLVE(slist_append, "curl_slist_append");
    RESOLVE(slist_free_all, "curl_slist_free_all");
    RESOLVE(multi_init, "curl_multi_init");
    RESOLVE(multi_setopt, "curl_multi_setopt");
    RESOLVE(multi_add_handle, "curl_multi_add_handle");
    RESOLVE(multi_remove_handle, "curl_multi_remove_handle");
    RESOLVE(multi_perform, "curl_multi_perform");
    RESOLVE(multi_poll, "curl_multi_poll");
    RESOLVE(multi_wakeup, "curl_multi_wakeup");
    RESOLVE(multi_info_read, "curl_multi_info_read");
    RESOLVE(multi_strerror, "curl_multi_strerror");
    int code = curl.global_init(CURL_GLOBAL_ALL);
    if (code != 0) {
        snprintf(load_error, sizeof load_error, "curl_global_init failed: %s", curl.easy_strerror(code));
        return;
    }
    load_status = 0;
}

int sb_curl_load(char *error, size_t error_size) {
    pthread_once(&load_once, load);
    if (load_status != 0 && error != NULL && error_size > 0) {
        snprintf(error, error_size, "%s", load_error);
    }
    return load_status;
}

const char *sb_curl_version(void) { return curl.version(); }

sb_curl_easy *sb_curl_easy_init(void) { return curl.easy_init(); }
void sb_curl_easy_cleanup(sb_curl_easy *easy) { curl.easy_cleanup(easy); }

int sb_curl_easy_setopt_long(sb_curl_easy *easy, int option, long value) {
    return curl.easy_setopt(easy, option, value);
}

int sb_curl_easy_setopt_int64(sb_curl_easy *easy, int option, int64_t value) {
    return curl.easy_setopt(easy, option, (long long)value);  // curl_off_t is 64 bits everywhere
}

int sb_curl_easy_setopt_pointer(sb_curl_easy *easy, int option, const void *value) {
    return curl.easy_setopt(easy, option, value);
}

int sb_curl_easy_setopt_data_callback(sb_curl_easy *easy, int option, sb_curl_data_callback callback) {
    return curl.easy_setopt(easy, option, callback);
}

int sb_curl_easy_setopt_seek_callback(sb_curl_easy *easy, sb_curl_seek_callback callback) {
    return curl.easy_setopt(easy, SB_CURLOPT_SEEKFUNCTION, callback);
}

int sb_curl_easy_getinfo_long(sb_curl_easy *easy, int info, long *value) {
    return curl.easy_getinfo(easy, info, value);
}

int sb_curl_easy_pause(sb_curl_easy *easy, int bitmask) { return curl.easy_pause(easy, bitmask); }
const char *sb_curl_easy_strerror(int code) { return curl.easy_strerror(code); }

sb_curl_slist *sb_curl_slist_append(sb_curl_slist *list, const char *line) {
    return curl.slist_append(list, line);
}

void sb_curl_slist_free_all(sb_curl_slist *list) { curl.slist_free_all(list); }

sb_curl_multi *sb_curl_multi_init(void) { return curl.multi_init(); }

int sb_curl_multi_setopt_long(sb_curl_multi *multi, int option, long value) {
    return curl.multi_setopt(multi, option, value);
}

int sb_curl_multi_add_handle(sb_curl_multi *multi, sb_curl_easy *easy) { return curl.multi_add_handle(multi, easy); }
int sb_curl_multi_remove_handle(sb_curl_multi *multi, sb_curl_easy *easy) { return curl.multi_remove_handle(multi, easy); }
int sb_curl_multi_perform(sb_curl_multi *multi, int *running) { return curl.multi_perform(multi, running); }

int sb_curl_multi_poll(sb_curl_multi *multi, int timeout_ms) {
    int ready = 0;
    return curl.multi_poll(multi, NULL, 0, timeout_ms, &ready);
}

int sb_curl_multi_wakeup(sb_curl_multi *multi) { return curl.multi_wakeup(multi); }

int sb_curl_multi_next_done(sb_curl_multi *multi, sb_curl_easy **easy, int *result) {
    int queued = 0;
    struct curl_message *message;
    while ((message = curl.multi_info_read(multi, &queued)) != NULL) {
        if (message->msg == CURLMSG_DONE) {
            *easy = message->easy_handle;
            *result = message->data.result;
            return 1;
        }
    }
    return 0;
}

const char *sb_curl_multi_strerror(int code) { return curl.multi_strerror(code); }
