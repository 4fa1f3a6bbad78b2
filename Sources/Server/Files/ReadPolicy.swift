import FoundationEssentials
public import JSONRPC
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Which local files a request may read: every path a request names (an image to inline, a file to
/// upload) is judged here before it is opened, and the file is then opened by the real path this
/// returns, so a symbolic link is judged by where it leads.
///
/// Two kinds, after who chooses the paths:
/// - `trusted`: the client of JSON-RPC mode, which could read the files itself. Anything the user
///   can read, except the daemon's own process files: `/proc/self`, `/proc/thread-self`,
///   `/proc/<its pid>` and `/proc/<one of its threads>` (and every way there: `/dev/fd/…`,
///   `/dev/stdin`, a symbolic link), which hold its environment, and so the API key.
/// - `confined(to:)`: where a model chooses the paths (MCP tool arguments), and a prompt-injected
///   model could send any readable file upstream. Only files under the roots (by default the
///   working directory and the output folder, more with `--allow-read DIR` and the config file's
///   `read_roots`), never anything under `/proc`, `/sys` or `/dev`.
///
/// A refusal is -32006 with `reason: "not_allowed"`, naming the path (and where it leads) and the
/// flag that would allow it.
public struct ReadPolicy: Sendable, Equatable {
    /// The folders reads are confined to, as real paths; nil: not confined to folders.
    public let roots: [String]?

    /// Why a path is refused.
    public enum Refusal: Sendable, Equatable {
        /// The daemon's own process files.
        case ownProcess
        /// Under `/proc`, `/sys` or `/dev` (the folder named), which a confined policy never reads.
        case systemFolder(String)
        /// Not under any root.
        case outsideRoots
    }

    /// The client's choice of paths is trusted: only the daemon's own process files are refused.
    public static let trusted = ReadPolicy(resolvedRoots: nil)

    /// Reads confined to `roots` (`~` expanded, relative to the working directory), each taken as
    /// its real path (symbolic links resolved). A root that does not exist confines to nothing.
    public static func confined(to roots: [String]) -> ReadPolicy {
        ReadPolicy(resolvedRoots: roots.map { RealPath.resolve(LocalPath.resolve($0)).path })
    }

    private init(resolvedRoots: [String]?) {
        var unique: [String] = []
        for root in resolvedRoots ?? [] where !unique.contains(root) { unique.append(root) }
        roots = resolvedRoots == nil ? nil : unique
    }

    /// The folders a confined policy never reads, whatever the roots.
    public static let systemFolders = ["/proc", "/sys", "/dev"]

    /// The real path of the file `path` names, to open instead of `path`.
    /// - Parameter path: a path as a request gave it (`~` already expanded).
    /// - Parameter field: the param that named it, for errors.
    /// - Throws: -32006 `not_allowed` when the policy refuses the path (judged by where it leads,
    ///   or for a path that does not exist, by where it would), `not_found` when it does not
    ///   exist, `unreadable` when it cannot be resolved.
    public func check(_ path: String, field: String) throws(ResponseError) -> String {
        let real = RealPath.resolve(path)
        if let refusal = refusal(of: real.path) {
            throw refused(path, real: real.path, field: field, refusal)
        }
        guard let failure = real.failure else { return real.path }
        throw failure == ENOENT || failure == ENOTDIR
            ? FileReference.fileError(path, field: field, reason: "not_found", "does not exist")
            : FileReference.fileError(path, field: field, reason: "unreadable", "cannot be read: \(String(cString: strerror(failure)))")
    }

    /// Why the policy refuses the absolute, resolved path `path`; nil when it allows it.
    public func refusal(of path: String) -> Refusal? {
        if ProcessFiles.isOwn(path) { return .ownProcess }
        guard let roots else { return nil }
        if let folder = Self.systemFolders.first(where: { Self.path(path, isInside: $0) }) { return .systemFolder(folder) }
        return roots.contains { Self.path(path, isInside: $0) } ? nil : .outsideRoots
    }

    /// Whether `path` is `folder` or below it (both absolute and normalized), compared byte by
    /// byte: Swift's `==` and `hasPrefix` take canonically equivalent strings (`é` and `e` with a
    /// combining accent) for equal, which names on disk are not.
    static func path(_ path: String, isInside folder: String) -> Bool {
        let (path, folder) = (path.utf8, folder.utf8)
        if folder.elementsEqual("/".utf8) { return true }
        guard path.starts(with: folder) else { return false }
        return path.count == folder.count || path.dropFirst(folder.count).first == UInt8(ascii: "/")
    }

    private func refused(_ path: String, real: String, field: String, _ refusal: Refusal) -> ResponseError {
        let leads = real == path ? "" : " (which leads to \(real))"
        let detail = switch refusal {
        case .ownProcess:
            "is the daemon's own process information (its environment holds the API key), which is never read"
        case .systemFolder(let folder):
            "is under \(folder), which the tools never read (no option allows it)"
        case .outsideRoots:
            "is outside the folders the tools may read (\((roots ?? []).joined(separator: ", "))): "
                + "start the server with --allow-read DIR (or list the folder in the config file's read_roots) to allow it"
        }
        var data: JSONObject = ["path": .string(path), "reason": "not_allowed", "field": .string(field)]
        if real != path { data["resolved_path"] = .string(real) }
        return ResponseError(.fileError, "\(field): file \(path)\(leads) \(detail)", data: .object(data))
    }
}

/// A path with its symbolic links, `.` and `..` resolved, as `realpath(3)` does; for a path that
/// does not exist (or a link whose target does not), where it would lead: a dangling link's target
/// is resolved in turn, and a missing name is put after the real path of the folder it is in, so
/// that the path can still be judged by where it leads (`/dev/stdin` with stdin closed leads into
/// `/proc/<pid>/fd`).
struct RealPath: Equatable {
    /// Absolute and normalized.
    let path: String
    /// The `errno` of `realpath` for the whole path; nil when it exists.
    let failure: Int32?

    /// At most this many dangling symbolic links are followed (`realpath` itself stops at 40).
    static let maxLinks = 40

    static func resolve(_ path: String) -> RealPath {
        resolve(path.utf8.first == UInt8(ascii: "/") ? path : currentDirectory() + "/" + path, links: 0)
    }

    private static func resolve(_ absolute: String, links: Int) -> RealPath {
        if let real = realPath(absolute) { return RealPath(path: real, failure: nil) }
        let failure = errno
        let bytes = absolute.utf8
        let slash = bytes.lastIndex(of: UInt8(ascii: "/")) ?? bytes.startIndex
        let folder = bytes[..<slash].isEmpty ? "/" : String(decoding: bytes[..<slash], as: UTF8.self)
        if links < maxLinks, let target = readLink(absolute) {
            let next = target.utf8.first == UInt8(ascii: "/") ? target : folder + "/" + target
            return RealPath(path: resolve(next, links: links + 1).path, failure: failure)
        }
        let name = bytes.isEmpty ? "" : String(decoding: bytes[bytes.index(after: slash)...], as: UTF8.self)
        let parent = folder.utf8.elementsEqual(bytes) ? "/" : resolve(folder, links: links).path
        return RealPath(path: normalized(parent, appending: [Substring(name)]), failure: failure)
    }

    /// `base` (absolute, normalized) followed by `components`, `.` and empty ones dropped, `..`
    /// removing the component before it (never above `/`).
    /// Components are compared by bytes: a name is `..` only when its bytes are.
    static func normalized(_ base: String, appending components: [Substring]) -> String {
        var parts = base.utf8.split(separator: UInt8(ascii: "/")).map { String(decoding: $0, as: UTF8.self) }
        for component in components.flatMap({ $0.utf8.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false) }) {
            if component.isEmpty || component.elementsEqual(".".utf8) { continue }
            if component.elementsEqual("..".utf8) {
                _ = parts.popLast()
            } else {
                parts.append(String(decoding: component, as: UTF8.self))
            }
        }
        return "/" + parts.joined(separator: "/")
    }

    private static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// The target of the symbolic link `path`; nil when it is none.
    private static func readLink(_ path: String) -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = readlink(path, &buffer, buffer.count - 1)
        guard count > 0 else { return nil }
        return String(decoding: buffer[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    private static func currentDirectory() -> String {
        guard let directory = getcwd(nil, 0) else { return "/" }
        defer { free(directory) }
        return String(cString: directory)
    }
}

/// The daemon's own entries in `/proc`.
enum ProcessFiles {
    /// Whether the absolute, resolved `path` is in the daemon's own `/proc` entry: `/proc/self`,
    /// `/proc/thread-self`, `/proc/<its pid>`, or `/proc/<the id of one of its threads>` (which
    /// `/proc` serves although it does not list them).
    static func isOwn(_ path: String) -> Bool {
        let components = path.utf8.split(separator: UInt8(ascii: "/"), maxSplits: 2)
        guard components.count >= 2, components[0].elementsEqual("proc".utf8) else { return false }
        let entry = String(decoding: components[1], as: UTF8.self)
        if components[1].elementsEqual("self".utf8) || components[1].elementsEqual("thread-self".utf8) { return true }
        guard entry.utf8.allSatisfy({ (0x30...0x39).contains($0) }), let id = Int32(entry), id > 0 else { return false }
        return id == getpid() || access("/proc/self/task/\(id)", F_OK) == 0
    }
}
