// The C library of the platform, imported in this one file and re-exported to every module that
// imports Primitives, so that no other file needs `#if canImport(Glibc)`: Glibc on Linux (tested),
// Darwin on macOS (untested until a macOS run proves it).
#if canImport(Glibc)
@_exported public import Glibc
#elseif canImport(Musl)
@_exported public import Musl
#elseif canImport(Darwin)
@_exported public import Darwin
#else
#error("Switchboard needs a POSIX C library (Glibc, Musl or Darwin)")
#endif
