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

/// Opens `path` for reading, following no symbolic link anywhere in it (`openat2` with
/// `RESOLVE_NO_SYMLINKS`, Linux 5.6 and later): for a path already resolved to its real path and
/// judged by it, so that a link put into it after the check cannot lead the read elsewhere. Where
/// `openat2` is missing (ENOSYS, or EPERM from a sandbox that blocks it), only the last component
/// is kept from being a link (`O_NOFOLLOW`). Returns the descriptor (close-on-exec), or -1 with
/// errno: ELOOP when the path holds a symbolic link.
int sb_open_real_path(const char *path);

#endif
