// See include/CSystem.h.
#define _GNU_SOURCE
#include "CSystem.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/uio.h>
#include <unistd.h>
#if defined(__linux__) && __has_include(<linux/openat2.h>)
#include <linux/openat2.h>
#include <sys/syscall.h>
#endif

long sb_write_nowait(int fd, const void *bytes, size_t count) {
#if defined(__linux__) && defined(RWF_NOWAIT)
    struct iovec piece = {.iov_base = (void *)bytes, .iov_len = count};
    return pwritev2(fd, &piece, 1, -1, RWF_NOWAIT);  // offset -1: the descriptor's own position
#else
    (void)fd;
    (void)bytes;
    (void)count;
    errno = ENOSYS;
    return -1;
#endif
}

int sb_open_real_path(const char *path) {
#if defined(__linux__) && __has_include(<linux/openat2.h>) && defined(SYS_openat2)
    struct open_how how = {.flags = O_RDONLY | O_CLOEXEC, .resolve = RESOLVE_NO_SYMLINKS};
    int descriptor;
    do {
        descriptor = (int)syscall(SYS_openat2, AT_FDCWD, path, &how, sizeof how);
    } while (descriptor < 0 && (errno == EINTR || errno == EAGAIN));  // EAGAIN: a rename raced the lookup
    if (descriptor >= 0 || (errno != ENOSYS && errno != EPERM)) return descriptor;
#endif
    return open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
}
