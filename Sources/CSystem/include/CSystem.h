// System calls that the platform's Swift module does not show: glibc declares pwritev2 only
// under _GNU_SOURCE, which Swift's Glibc module is not built with. Declared here, defined in
// CSystem.c (compiled with _GNU_SOURCE).
#ifndef SB_CSYSTEM_H
#define SB_CSYSTEM_H

#include <stddef.h>

/// Writes up to `count` bytes to `fd` without waiting, whatever the descriptor's O_NONBLOCK flag
/// (`pwritev2` with `RWF_NOWAIT`; stdout's flags are shared with the client, so they are never
/// changed). Returns the bytes written, or -1 with errno: EAGAIN when the pipe or socket is full,
/// EOPNOTSUPP (or ENOSYS where `pwritev2` does not exist, as on macOS) when this descriptor or
/// kernel cannot write without waiting, EINTR after a signal, another error when writing failed.
long sb_write_nowait(int fd, const void *bytes, size_t count);

#endif
