import FoundationEssentials
import Primitives
/// Who may change the config file, checked before it is used, as ssh checks its own: the file
/// sets the key, `base_url` and `api_key_command` (a command the daemon runs), so another user who
/// can write it can take the key or run commands as the daemon's user.
///
/// Refused, each with the command that fixes it: a file writable by its group or by others (ssh's
/// rule: `chmod go-w`), a file owned by another user than the daemon's and root, and a folder
/// holding it that others could change (replace the file): one owned by another user, or one
/// writable by every user without the sticky bit (`/tmp` has it, so a file there is safe from
/// other users). A group-writable folder is allowed: with per-user groups (the default on many
/// systems) it is common and harmless, and the file inside is still judged on its own.
enum ConfigFilePermissions {
    /// Checks the open config file `descriptor` (stat'ed through the descriptor, so that the file
    /// judged is the file read) and the folder of `path`.
    static func check(_ descriptor: Int32, path: String) throws(StartupConfig.Failure) {
        var file = stat()
        guard fstat(descriptor, &file) == 0 else { throw failure(path, "cannot be examined: \(ErrorNumber.text(errno))") }
        guard file.st_mode & S_IFMT == S_IFREG else { throw failure(path, "is not a regular file") }
        let me = getuid()
        if file.st_uid != me && file.st_uid != 0 {
            throw failure(path, "is owned by another user (uid \(file.st_uid)), who could change the key or api_key_command it sets; "
                              + "use a file of your own (uid \(me)): cp \(path) NEW && rm \(path), or chown \(me) \(path)")
        }
        if file.st_mode & (S_IWGRP | S_IWOTH) != 0 {
            throw failure(path, "is writable by \(file.st_mode & S_IWOTH != 0 ? "every user" : "its group") (mode \(modeText(file.st_mode))), "
                              + "who could change the key or api_key_command it sets; run: chmod go-w \(path)")
        }
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        var directory = stat()
        guard stat(folder, &directory) == 0 else { return }
        if directory.st_uid != me && directory.st_uid != 0 {
            throw failure(path, "is in a folder owned by another user (\(folder), uid \(directory.st_uid)), who could replace it; "
                              + "keep the config file in a folder of your own")
        }
        if directory.st_mode & S_IWOTH != 0 && directory.st_mode & S_ISVTX == 0 {
            throw failure(path, "is in a folder every user can write (\(folder), mode \(modeText(directory.st_mode))), so anyone could replace it; "
                              + "run: chmod o-w \(folder)")
        }
    }

    private static func failure(_ path: String, _ problem: String) -> StartupConfig.Failure {
        StartupConfig.Failure(description: "config file \(path) \(problem)")
    }

    /// The permission bits in octal, as chmod takes them: `0666`.
    private static func modeText(_ mode: mode_t) -> String {
        let octal = String(mode & 0o7777, radix: 8)
        return String(repeating: "0", count: max(0, 4 - octal.count)) + octal
    }
}
