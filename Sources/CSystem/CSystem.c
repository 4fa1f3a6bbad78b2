// See include/CSystem.h.
#define _GNU_SOURCE
#include "CSystem.h"

#include <errno.h>
#include <sys/uio.h>

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
