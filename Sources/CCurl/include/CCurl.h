// The small part of libcurl's C API that the HTTP engine uses, declared here rather than taken
// from <curl/curl.h>: machines that run Swift have the library (libcurl.so.4; macOS ships
// libcurl.4.dylib) but rarely its headers, and a SwiftPM build must not need a -dev package.
//
// The library is loaded with dlopen on first use (see CCurl.c), not linked: a daemon that only
// answers local methods never maps libcurl and its TLS stack, which keeps start-up and idle memory
// down, and a machine without libcurl still runs every method that makes no HTTP request (those
// that do fail with an error naming the missing library).
//
// The numeric values below are libcurl's stable ABI (they never change between releases; see
// curl.h's CURLOPT() definitions). Only options present in libcurl 7.68 or later are used.
#ifndef SWITCHBOARD_CCURL_H
#define SWITCHBOARD_CCURL_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// An easy handle (one transfer) and a multi handle (the set of transfers one event loop drives).
typedef struct sb_curl_easy sb_curl_easy;
typedef struct sb_curl_multi sb_curl_multi;
/// `struct curl_slist`: a linked list of header lines.
typedef struct sb_curl_slist sb_curl_slist;

/// A write, header or read callback: (buffer, size, count, userdata) -> bytes handled.
typedef size_t (*sb_curl_data_callback)(char *buffer, size_t size, size_t count, void *userdata);
/// A seek callback: (userdata, offset, origin) -> CURL_SEEKFUNC_*.
typedef int (*sb_curl_seek_callback)(void *userdata, int64_t offset, int origin);

// Option numbers: type base + index, as curl.h defines them. (Macros, so that Swift sees `Int32`.)
#define SB_CURLOPT_WRITEDATA 10001
#define SB_CURLOPT_URL 10002
#define SB_CURLOPT_READDATA 10009
#define SB_CURLOPT_ERRORBUFFER 10010
#define SB_CURLOPT_WRITEFUNCTION 20011
#define SB_CURLOPT_READFUNCTION 20012
#define SB_CURLOPT_HTTPHEADER 10023
#define SB_CURLOPT_HEADERDATA 10029
#define SB_CURLOPT_CUSTOMREQUEST 10036
#define SB_CURLOPT_NOBODY 44
#define SB_CURLOPT_POST 47
#define SB_CURLOPT_FOLLOWLOCATION 52
#define SB_CURLOPT_CAINFO 10065
#define SB_CURLOPT_HEADERFUNCTION 20079
#define SB_CURLOPT_HTTPGET 80
#define SB_CURLOPT_HTTP_VERSION 84
#define SB_CURLOPT_CAPATH 10097
#define SB_CURLOPT_NOSIGNAL 99
#define SB_CURLOPT_PRIVATE 10103
#define SB_CURLOPT_POSTFIELDSIZE_LARGE 30120
#define SB_CURLOPT_TCP_NODELAY 121
#define SB_CURLOPT_CONNECTTIMEOUT_MS 156
#define SB_CURLOPT_HTTP_CONTENT_DECODING 158
#define SB_CURLOPT_COPYPOSTFIELDS 10165
#define SB_CURLOPT_SEEKFUNCTION 20167
#define SB_CURLOPT_SEEKDATA 10168
#define SB_CURLOPT_TCP_KEEPALIVE 213
#define SB_CURLOPT_PIPEWAIT 237
#define SB_CURLOPT_SUPPRESS_CONNECT_HEADERS 265

#define SB_CURLMOPT_PIPELINING 3
#define SB_CURLPIPE_MULTIPLEX 2
#define SB_CURL_HTTP_VERSION_2TLS 4
#define SB_CURLINFO_RESPONSE_CODE 0x200002
#define SB_CURLINFO_HTTP_VERSION 0x20002E
#define SB_CURL_ERROR_SIZE 256
#define SB_CURL_WRITEFUNC_PAUSE 0x10000001
#define SB_CURL_READFUNC_ABORT 0x10000000
#define SB_CURL_SEEKFUNC_OK 0
#define SB_CURL_SEEKFUNC_FAIL 1
#define SB_CURLPAUSE_CONT 0
#define SB_CURLPAUSE_RECV 1
#define SB_CURLE_OK 0

/// Loads libcurl (once; later calls return the first outcome) and runs curl_global_init.
/// Returns 0 on success; otherwise fills `error` (NUL-terminated) with why it could not be loaded.
int sb_curl_load(char *error, size_t error_size);
/// The loaded library's version text, e.g. "libcurl/7.88.1 OpenSSL/3.0.15 ...".
const char *sb_curl_version(void);

sb_curl_easy *sb_curl_easy_init(void);
void sb_curl_easy_cleanup(sb_curl_easy *easy);
int sb_curl_easy_setopt_long(sb_curl_easy *easy, int option, long value);
int sb_curl_easy_setopt_int64(sb_curl_easy *easy, int option, int64_t value);
int sb_curl_easy_setopt_pointer(sb_curl_easy *easy, int option, const void *value);
int sb_curl_easy_setopt_data_callback(sb_curl_easy *easy, int option, sb_curl_data_callback callback);
int sb_curl_easy_setopt_seek_callback(sb_curl_easy *easy, sb_curl_seek_callback callback);
int sb_curl_easy_getinfo_long(sb_curl_easy *easy, int info, long *value);
int sb_curl_easy_pause(sb_curl_easy *easy, int bitmask);
const char *sb_curl_easy_strerror(int code);

sb_curl_slist *sb_curl_slist_append(sb_curl_slist *list, const char *line);
void sb_curl_slist_free_all(sb_curl_slist *list);

sb_curl_multi *sb_curl_multi_init(void);
int sb_curl_multi_setopt_long(sb_curl_multi *multi, int option, long value);
int sb_curl_multi_add_handle(sb_curl_multi *multi, sb_curl_easy *easy);
int sb_curl_multi_remove_handle(sb_curl_multi *multi, sb_curl_easy *easy);

/// A multi handle driven by its sockets (libcurl's `curl_multi_socket_action` interface): the
/// sockets libcurl asks to watch and the timer it asks for are kept here, waited on with one
/// epoll_wait(2) (poll(2) where there is no epoll), and only the transfers whose socket is ready
/// (or whose timer is due) are run. (The
/// `curl_multi_perform` interface instead looks at every transfer, with a poll(2) of its own, on
/// every turn: with many slow streams that costs more than the data.)
typedef struct sb_curl_driver sb_curl_driver;

/// Takes over `multi`'s socket and timer callbacks. Returns NULL when out of memory or file
/// descriptors (for the wake-up pipe).
sb_curl_driver *sb_curl_driver_new(sb_curl_multi *multi);
/// Waits until a watched socket is ready, libcurl's timer is due, `timeout_ms` passed or
/// `sb_curl_driver_wake` was called, then lets libcurl act on what is ready. Call it from one
/// thread only. Returns 0, or a CURLMcode.
int sb_curl_driver_wait(sb_curl_driver *driver, int timeout_ms);
/// Interrupts `sb_curl_driver_wait`; safe to call from any thread, never blocks.
void sb_curl_driver_wake(sb_curl_driver *driver);
/// Takes the next finished transfer, if any: returns 1 and sets `easy` and `result`, else 0.
int sb_curl_multi_next_done(sb_curl_multi *multi, sb_curl_easy **easy, int *result);
const char *sb_curl_multi_strerror(int code);

#ifdef __cplusplus
}
#endif

#endif
