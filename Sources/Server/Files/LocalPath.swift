import Primitives
import FoundationEssentials

/// Turns a path a request names into one the file system takes: a `file://` URL becomes its path,
/// a leading `~` or `~/` becomes the home folder, read from `$HOME` as a shell does, and `~name/`
/// becomes that user's home folder.
public enum LocalPath {
    public static func resolve(_ reference: String) -> String {
        if reference.lowercased().hasPrefix("file://") {
            return URL(string: reference)?.path ?? String(reference.dropFirst(7))
        }
        guard reference.hasPrefix("~") else { return reference }
        let name = reference.dropFirst().prefix { $0 != "/" }
        let rest = reference.dropFirst(1 + name.count)
        if name.isEmpty { return HomeDirectory.current(environment: ProcessInfo.processInfo.environment["HOME"]) + rest }
        return HomeDirectory.of(user: String(name)).map { $0 + rest } ?? reference
    }
}
