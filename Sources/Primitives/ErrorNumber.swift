/// What an `errno` value means, in words a user can act on.
///
/// Mostly `strerror`'s text. A process out of file descriptors gets more: it is the cause
/// users are least likely to guess (a file that exists "cannot be opened", a server that is up
/// "cannot be reached"), and the fix (a higher `ulimit -n`) is outside the daemon.
public enum ErrorNumber {
    /// `strerror`'s text for `code`, with the limit and the fix when descriptors ran out.
    public static func text(_ code: Int32) -> String {
        let text = String(cString: strerror(code))
        switch code {
        case EMFILE: return "\(text): \(descriptorAdvice)"
        case ENFILE: return "\(text): the system's table of open files is full (fs.file-max)"
        default: return text
        }
    }

    /// Says that this process has reached its open-file limit, naming the limit and the fix.
    public static var descriptorAdvice: String {
        var limit = rlimit()
        #if canImport(Glibc)
        let found = getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) == 0
        #else
        let found = getrlimit(RLIMIT_NOFILE, &limit) == 0
        #endif
        let count = found && limit.rlim_cur != rlim_t.max ? " (\(limit.rlim_cur))" : ""
        return "the daemon has as many files and connections open as its limit allows\(count); raise the limit (ulimit -n) before starting it"
    }

    /// Whether this process cannot open another descriptor now (`EMFILE`/`ENFILE`): tried by
    /// opening one, for a failure whose error number was not kept (libcurl's connect).
    public static func descriptorsExhausted() -> Bool {
        let probe = dup(STDERR_FILENO)
        if probe >= 0 {
            close(probe)
            return false
        }
        return errno == EMFILE || errno == ENFILE
    }
}

extension SystemCallError {
    /// What went wrong, without the call's name: `ErrorNumber.text(code)`.
    public var reason: String { ErrorNumber.text(code) }
}
