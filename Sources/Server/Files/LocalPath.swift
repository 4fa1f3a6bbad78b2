import Foundation

/// Turns a path a request names into one the file system takes: a `file://` URL becomes its path,
/// and a leading `~` or `~/` becomes the home folder, read from `$HOME` as a shell does
/// (Foundation on Linux reads the password database instead, which ignores `$HOME`).
enum LocalPath {
    static func resolve(_ reference: String) -> String {
        if reference.lowercased().hasPrefix("file://") {
            return URL(string: reference)?.path ?? String(reference.dropFirst(7))
        }
        guard reference == "~" || reference.hasPrefix("~/") else { return (reference as NSString).expandingTildeInPath }
        let home = ProcessInfo.processInfo.environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
        return home + reference.dropFirst()
    }
}
