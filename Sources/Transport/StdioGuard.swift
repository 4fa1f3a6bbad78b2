import Primitives

/// Sets up the process's standard streams for a protocol that owns stdout.
public enum StdioGuard {
    /// Moves the protocol stream to a private duplicate of fd 1 and points fd 1 at stderr, so a
    /// stray `print` (ours or a library's) lands in the log instead of corrupting the protocol.
    /// Also ignores SIGPIPE, so a client that goes away cannot kill the daemon mid-write.
    /// Returns the file descriptor protocol output must be written to.
    public static func claimStdout() -> Int32 {
        signal(SIGPIPE, SIG_IGN)
        let protocolFD = dup(STDOUT_FILENO)
        dup2(STDERR_FILENO, STDOUT_FILENO)
        return protocolFD < 0 ? STDOUT_FILENO : protocolFD
    }
}
