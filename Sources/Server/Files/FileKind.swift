import Primitives

/// What a path names, from the `st_mode` of its `stat` or `lstat`, as errors say it.
enum FileKind: Equatable, CustomStringConvertible {
    case regular, directory, symbolicLink, fifo, characterDevice, blockDevice, socket, other

    init(mode: mode_t) {
        self = switch mode & S_IFMT {
        case S_IFREG: .regular
        case S_IFDIR: .directory
        case S_IFLNK: .symbolicLink
        case S_IFIFO: .fifo
        case S_IFCHR: .characterDevice
        case S_IFBLK: .blockDevice
        case S_IFSOCK: .socket
        default: .other
        }
    }

    /// What `lstat` says of `path` (a symbolic link is not followed); nil when nothing is there.
    static func at(_ path: String) -> (kind: FileKind, mode: mode_t)? {
        var status = stat()
        guard lstat(path, &status) == 0 else { return nil }
        return (FileKind(mode: status.st_mode), status.st_mode)
    }

    var description: String {
        switch self {
        case .regular: "a regular file"
        case .directory: "a directory"
        case .symbolicLink: "a symbolic link"
        case .fifo: "a FIFO (named pipe)"
        case .characterDevice: "a character device"
        case .blockDevice: "a block device"
        case .socket: "a socket"
        case .other: "of an unusual kind"
        }
    }
}
