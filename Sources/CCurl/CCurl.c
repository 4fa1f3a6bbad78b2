// libcurl, loaded at run time. See include/CCurl.h for why it is not linked.
//
// curl_easy_setopt and curl_easy_getinfo are variadic, which Swift cannot call; the wrappers here
// call them with one argument of the exact type each option expects.
#include "CCurl.h"
#include "CLibraryLoader.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

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
enum { CURLMOPT_SOCKETFUNCTION = 20001, CURLMOPT_SOCKETDATA = 10002, CURLMOPT_TIMERFUNCTION = 20004,
       CURLMOPT_TIMERDATA = 10005 };
enum { CURL_POLL_IN = 1, CURL_POLL_OUT = 2, CURL_POLL_REMOVE = 4 };
enum { CURL_CSELECT_IN = 1, CURL_CSELECT_OUT = 2, CURL_CSELECT_ERR = 4, CURL_SOCKET_TIMEOUT = -1 };

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
    int (*multi_socket_action)(void *, int, int, int *);
    struct curl_message *(*multi_info_read)(void *, int *);
    const char *(*multi_strerror)(int);
} curl;

/// Loading is tried again after a failure: one caused by a lack of descriptors at that moment
/// (dlopen must open the library's file) must not leave the process without HTTP for good.
static pthread_mutex_t load_lock = PTHREAD_MUTEX_INITIALIZER;
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

static const sb_library library = {
    library_names, sizeof library_names / sizeof library_names[0], "libcurl", "apt-get install libcurl4",
    "libcurl 7.68 or later is needed",
};

#define SYMBOL(field, name) {name, (void **)&curl.field}

static const sb_library_symbol symbols[] = {
    SYMBOL(global_init, "curl_global_init"),
    SYMBOL(version, "curl_version"),
    SYMBOL(easy_init, "curl_easy_init"),
    SYMBOL(easy_cleanup, "curl_easy_cleanup"),
    SYMBOL(easy_setopt, "curl_easy_setopt"),
    SYMBOL(easy_getinfo, "curl_easy_getinfo"),
    SYMBOL(easy_pause, "curl_easy_pause"),
    SYMBOL(easy_strerror, "curl_easy_strerror"),
    SYMBOL(slist_append, "curl_slist_append"),
    SYMBOL(slist_free_all, "curl_slist_free_all"),
    SYMBOL(multi_init, "curl_multi_init"),
    SYMBOL(multi_setopt, "curl_multi_setopt"),
    SYMBOL(multi_add_handle, "curl_multi_add_handle"),
    SYMBOL(multi_remove_handle, "curl_multi_remove_handle"),
    SYMBOL(multi_socket_action, "curl_multi_socket_action"),
    SYMBOL(multi_info_read, "curl_multi_info_read"),
    SYMBOL(multi_strerror, "curl_multi_strerror"),
};

static void load(void) {
    if (sb_library_load(&library, symbols, sizeof symbols / sizeof symbols[0], load_error, sizeof load_error) == NULL) return;
    int code = curl.global_init(CURL_GLOBAL_ALL);
    if (code != 0) {
        snprintf(load_error, sizeof load_error, "curl_global_init failed: %s", curl.easy_strerror(code));
        return;
    }
    load_status = 0;
}

int sb_curl_load(char *error, size_t error_size) {
    pthread_mutex_lock(&load_lock);
    if (load_status != 0) load();
    pthread_mutex_unlock(&load_lock);
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
// MARK: - The socket driver
//
// On Linux the watched sockets live in an epoll set: a wait costs the same with one stream or a
// hundred (poll(2) registers and unregisters every socket on every wait, which with many slow
// streams costs more than the data), and libcurl's socket callback changes the set only when a
// connection opens, closes or switches between reading and writing. Elsewhere the sockets are
// kept in an array and waited on with poll(2).

#if defined(__linux__)
#include <sys/epoll.h>
#define SB_USE_EPOLL 1
#else
#define SB_USE_EPOLL 0
#endif

/// The most events one wait takes from the epoll set (more are taken on the next turn).
enum { MAX_EVENTS = 64 };

struct sb_curl_driver {
    sb_curl_multi *multi;
#if SB_USE_EPOLL
    int epoll;
#else
    /// The sockets libcurl watches, with the events it wants (POLLIN/POLLOUT).
    struct pollfd *sockets;
    size_t count, capacity;
#endif
    /// When libcurl's timer is due (CLOCK_MONOTONIC milliseconds); -1: no timer.
    long long timer_due;
    /// The wake-up pipe: [0] is watched, [1] is written by `sb_curl_driver_wake`.
    int wake[2];
};

static long long now_ms(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (long long)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

#if SB_USE_EPOLL
/// CURLMOPT_SOCKETFUNCTION: libcurl says which events of `socket` to watch, or to stop.
static int on_socket(void *easy, int socket, int what, void *userp, void *socketp) {
    (void)easy;
    (void)socketp;
    sb_curl_driver *driver = userp;
    if (what == CURL_POLL_REMOVE) {
        // Fails harmlessly for a socket libcurl closed already (closing left the set).
        epoll_ctl(driver->epoll, EPOLL_CTL_DEL, socket, NULL);
        return 0;
    }
    struct epoll_event event = {
        .events = ((what & CURL_POLL_IN) ? EPOLLIN : 0) | ((what & CURL_POLL_OUT) ? EPOLLOUT : 0),
        .data.fd = socket,
    };
    // MOD for a socket in the set, ADD for a new one (or one closed and opened again under the
    // same number, which closing took out of the set).
    if (epoll_ctl(driver->epoll, EPOLL_CTL_MOD, socket, &event) == 0) return 0;
    if (errno == ENOENT && epoll_ctl(driver->epoll, EPOLL_CTL_ADD, socket, &event) == 0) return 0;
    return -1;
}
#else
/// CURLMOPT_SOCKETFUNCTION: libcurl says which events of `socket` to watch, or to stop.
static int on_socket(void *easy, int socket, int what, void *userp, void *socketp) {
    (void)easy;
    (void)socketp;
    sb_curl_driver *driver = userp;
    size_t i = 0;
    while (i < driver->count && driver->sockets[i].fd != socket) i++;
    if (what == CURL_POLL_REMOVE) {
        if (i < driver->count) driver->sockets[i] = driver->sockets[--driver->count];
        return 0;
    }
    if (i == driver->count) {
        if (driver->count == driver->capacity) {
            size_t capacity = driver->capacity ? driver->capacity * 2 : 16;
            struct pollfd *grown = realloc(driver->sockets, capacity * sizeof *grown);
            if (grown == NULL) return -1;
            driver->sockets = grown;
            driver->capacity = capacity;
        }
        driver->count++;
    }
    driver->sockets[i].fd = socket;
    driver->sockets[i].events = (short)(((what & CURL_POLL_IN) ? POLLIN : 0) | ((what & CURL_POLL_OUT) ? POLLOUT : 0));
    driver->sockets[i].revents = 0;
    return 0;
}
#endif

/// CURLMOPT_TIMERFUNCTION: libcurl wants to act in `timeout_ms` (-1: never).
static int on_timer(void *multi, long timeout_ms, void *userp) {
    (void)multi;
    sb_curl_driver *driver = userp;
    driver->timer_due = timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
    return 0;
}

static int set_nonblocking(int fd) {
    int flags = fcntl(fd, F_GETFL);
    return flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0 || fcntl(fd, F_SETFD, FD_CLOEXEC) < 0 ? -1 : 0;
}

static void driver_free(sb_curl_driver *driver) {
    if (driver->wake[0] >= 0) close(driver->wake[0]);
    if (driver->wake[1] >= 0) close(driver->wake[1]);
#if SB_USE_EPOLL
    if (driver->epoll >= 0) close(driver->epoll);
#endif
    free(driver);
}

sb_curl_driver *sb_curl_driver_new(sb_curl_multi *multi) {
    sb_curl_driver *driver = calloc(1, sizeof *driver);
    if (driver == NULL) return NULL;
    driver->wake[0] = driver->wake[1] = -1;
#if SB_USE_EPOLL
    driver->epoll = epoll_create1(EPOLL_CLOEXEC);
    if (driver->epoll < 0) {
        driver_free(driver);
        return NULL;
    }
#endif
    if (pipe(driver->wake) != 0) {
        driver->wake[0] = driver->wake[1] = -1;
        driver_free(driver);
        return NULL;
    }
    if (set_nonblocking(driver->wake[0]) != 0 || set_nonblocking(driver->wake[1]) != 0) {
        driver_free(driver);
        return NULL;
    }
#if SB_USE_EPOLL
    struct epoll_event wake = {.events = EPOLLIN, .data.fd = driver->wake[0]};
    if (epoll_ctl(driver->epoll, EPOLL_CTL_ADD, driver->wake[0], &wake) != 0) {
        driver_free(driver);
        return NULL;
    }
#endif
    driver->multi = multi;
    driver->timer_due = -1;
    curl.multi_setopt(multi, CURLMOPT_SOCKETFUNCTION, on_socket);
    curl.multi_setopt(multi, CURLMOPT_SOCKETDATA, driver);
    curl.multi_setopt(multi, CURLMOPT_TIMERFUNCTION, on_timer);
    curl.multi_setopt(multi, CURLMOPT_TIMERDATA, driver);
    return driver;
}

void sb_curl_driver_wake(sb_curl_driver *driver) {
    char byte = 1;
    // A full pipe already holds a wake-up; nothing else can fail here.
    while (write(driver->wake[1], &byte, 1) < 0 && errno == EINTR) {}
}

static void drain_wake_pipe(sb_curl_driver *driver) {
    char drained[64];
    while (read(driver->wake[0], drained, sizeof drained) > 0) {}
}

/// The CURL_CSELECT_* mask for what a socket is ready for.
static int ready_mask(int in, int out, int err) {
    return (in ? CURL_CSELECT_IN : 0) | (out ? CURL_CSELECT_OUT : 0) | (err ? CURL_CSELECT_ERR : 0);
}

int sb_curl_driver_wait(sb_curl_driver *driver, int timeout_ms) {
    if (driver->timer_due >= 0) {
        long long until = driver->timer_due - now_ms();
        if (until < timeout_ms || timeout_ms < 0) timeout_ms = until < 0 ? 0 : (int)until;
    }
    int code = 0, running = 0;
#if SB_USE_EPOLL
    struct epoll_event events[MAX_EVENTS];
    int ready = epoll_wait(driver->epoll, events, MAX_EVENTS, timeout_ms);
    for (int i = 0; i < ready && code == 0; i++) {
        uint32_t what = events[i].events;
        if (events[i].data.fd == driver->wake[0]) {
            drain_wake_pipe(driver);
            continue;
        }
        code = curl.multi_socket_action(driver->multi, events[i].data.fd,
                                        ready_mask(what & (EPOLLIN | EPOLLHUP | EPOLLRDHUP), what & EPOLLOUT, what & EPOLLERR),
                                        &running);
    }
#else
    // What to wait on: the wake-up pipe, then a copy of the watched sockets (libcurl changes the
    // set while it acts, below).
    size_t count = driver->count;
    struct pollfd stack[64];
    struct pollfd *fds = count + 1 <= 64 ? stack : malloc((count + 1) * sizeof *fds);
    if (fds == NULL) return 3;  // CURLM_OUT_OF_MEMORY
    fds[0] = (struct pollfd){.fd = driver->wake[0], .events = POLLIN};
    memcpy(fds + 1, driver->sockets, count * sizeof *fds);
    int ready = poll(fds, (nfds_t)(count + 1), timeout_ms);
    if (ready > 0 && (fds[0].revents & POLLIN)) drain_wake_pipe(driver);
    for (size_t i = 1; ready > 0 && i <= count && code == 0; i++) {
        short revents = fds[i].revents;
        if (revents == 0) continue;
        code = curl.multi_socket_action(driver->multi, fds[i].fd,
                                        ready_mask(revents & (POLLIN | POLLHUP), revents & POLLOUT, revents & (POLLERR | POLLNVAL)),
                                        &running);
    }
    if (fds != stack) free(fds);
#endif
    if (code == 0 && driver->timer_due >= 0 && driver->timer_due <= now_ms()) {
        driver->timer_due = -1;
        code = curl.multi_socket_action(driver->multi, CURL_SOCKET_TIMEOUT, 0, &running);
    }
    return code;
}

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
