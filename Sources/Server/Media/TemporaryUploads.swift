import Primitives
public import FoundationEssentials

/// The files in `$TMPDIR` that multipart uploads are built in:
/// `switchboard-upload-<pid>-<uuid>.multipart`, readable by their owner only.
///
/// Each is removed once its answer has been read; a daemon that is killed cannot, so every daemon
/// removes, when it starts, the upload files of daemons that are no longer running (the pid in
/// the name says whose a file is). The files of another switchboard still running are left alone.
public enum TemporaryUploads {
    static let prefix = "switchboard-upload-"
    static let suffix = ".multipart"

    /// A new file name for an upload of this process.
    static func newFile(in folder: URL = FileManager.default.temporaryDirectory) -> URL {
        folder.appendingPathComponent("\(prefix)\(getpid())-\(UUID().uuidString)\(suffix)")
    }

    /// Removes the upload files in `folder` whose process is gone; returns how many it removed.
    @discardableResult
    public static func removeLeftovers(in folder: URL = FileManager.default.temporaryDirectory) -> Int {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        var removed = 0
        for name in names where name.hasPrefix(prefix) && name.hasSuffix(suffix) {
            guard let pid = pid(in: name), !isRunning(pid) else { continue }
            if unlink(folder.appendingPathComponent(name).path) == 0 { removed += 1 }
        }
        return removed
    }

    /// The pid in an upload file's name; nil for a name of another form (an older daemon's, with no pid).
    static func pid(in name: String) -> pid_t? {
        let rest = name.dropFirst(prefix.count)
        guard let dash = rest.firstIndex(of: "-") else { return nil }
        return pid_t(rest[..<dash]).flatMap { $0 > 0 ? $0 : nil }
    }

    private static func isRunning(_ pid: pid_t) -> Bool {
        kill(pid, 0) == 0 || errno == EPERM
    }
}
