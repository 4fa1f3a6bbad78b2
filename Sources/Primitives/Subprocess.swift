/// A command started in a process group of its own, with pipes to its standard streams as asked.
///
/// Started with `posix_spawnp` (the command is searched on PATH). No descriptor of the daemon's
/// but the three standard ones is inherited (the protocol stream, connections, other commands'
/// pipes): the pipes are made close-on-exec and every other open descriptor is closed in the
/// child. It starts with no signal blocked and every signal's default action: the spawning
/// thread's mask and the signals the daemon ignores (SIGPIPE; SIGINT and SIGTERM until its signal
/// queue takes them) would otherwise pass to it, and a blocked or ignored SIGTERM sent to stop it
/// would do nothing. Its own process group lets `signal` reach the command and whatever it
/// started (a shell's children), so that stopping it also ends what holds its pipes open.
///
/// The groups of the commands not yet reaped (`wait`) are recorded, so that `killAll` can end
/// them when the daemon exits: none outlives it.
public final class Subprocess: Sendable {
    /// Why the command could not be started (`errno`'s text).
    public struct StartError: Error, Sendable, CustomStringConvertible {
        public let reason: String
        public var description: String { reason }
    }

    /// How the command ended.
    public enum Termination: Equatable, Sendable, CustomStringConvertible {
        case exited(Int32)
        case signalled(Int32)

        public var description: String {
            switch self {
            case .exited(let code): "exit status \(code)"
            case .signalled(let signal): "signal \(signal)"
            }
        }
    }

    /// What the command's stdin is.
    public enum Input: Sendable {
        /// /dev/null: the command reads nothing.
        case null
        /// A pipe whose write end is `input`.
        case pipe
    }

    /// What the command's stderr is.
    public enum ErrorOutput: Sendable {
        /// The daemon's own stderr (its log).
        case inherit
        /// A pipe whose read end is `errorOutput`.
        case pipe
    }

    public let pid: pid_t
    /// The write end of the command's stdin (`Input.pipe`); the owner closes it.
    public let input: Int32?
    /// The read end of the command's stdout; the owner closes it.
    public let output: Int32
    /// The read end of the command's stderr (`ErrorOutput.pipe`); the owner closes it.
    public let errorOutput: Int32?

    /// - Parameters:
    ///   - environment: `NAME=value` entries; nil passes the daemon's own environment.
    ///   - directory: the working directory to start in; nil keeps the daemon's.
    public init(_ arguments: [String], input: Input = .null, errorOutput: ErrorOutput = .inherit,
                environment: [String]? = nil, directory: String? = nil) throws(StartError) {
        guard !arguments.isEmpty else { throw StartError(reason: "no command given") }
        // Checked here: a failed change of directory in the child reads as a missing command.
        if let directory {
            var status = stat()
            guard stat(directory, &status) == 0 else { throw StartError(reason: "working directory \(directory): \(ErrorNumber.text(errno))") }
            guard status.st_mode & S_IFMT == S_IFDIR else { throw StartError(reason: "working directory \(directory): not a directory") }
        }
        var opened: [Int32] = []
        func makePipe() throws(StartError) -> (read: Int32, write: Int32) {
            var ends: [Int32] = [0, 0]
            guard pipe(&ends) == 0 else {
                let reason = ErrorNumber.text(errno)
                opened.forEach { _ = close($0) }
                throw StartError(reason: reason)
            }
            for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
            opened += ends
            return (ends[0], ends[1])
        }
        let stdout = try makePipe()
        let stdin = input == .pipe ? try makePipe() : nil
        let stderr = errorOutput == .pipe ? try makePipe() : nil

        #if canImport(Glibc)
        var actions = posix_spawn_file_actions_t()
        var attributes = posix_spawnattr_t()
        #else
        var actions: posix_spawn_file_actions_t?
        var attributes: posix_spawnattr_t?
        #endif
        posix_spawn_file_actions_init(&actions)
        posix_spawnattr_init(&attributes)
        defer {
            posix_spawn_file_actions_destroy(&actions)
            posix_spawnattr_destroy(&attributes)
        }
        if let stdin {
            posix_spawn_file_actions_adddup2(&actions, stdin.read, STDIN_FILENO)
        } else {
            posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0)
        }
        posix_spawn_file_actions_adddup2(&actions, stdout.write, STDOUT_FILENO)
        if let stderr { posix_spawn_file_actions_adddup2(&actions, stderr.write, STDERR_FILENO) }
        var flags = Int32(POSIX_SPAWN_SETPGROUP)
        #if canImport(Glibc)
        // glibc ignores a close of a descriptor that is not open, so listing them is enough.
        for descriptor in Self.openDescriptors() where descriptor > STDERR_FILENO {
            posix_spawn_file_actions_addclose(&actions, descriptor)
        }
        if let directory { _ = spawnAddChdir(&actions, directory) }
        #else
        flags |= Int32(POSIX_SPAWN_CLOEXEC_DEFAULT)
        if let directory { posix_spawn_file_actions_addchdir_np(&actions, directory) }
        #endif
        flags |= Int32(POSIX_SPAWN_SETSIGMASK) | Int32(POSIX_SPAWN_SETSIGDEF)
        var noSignals = sigset_t(), everySignal = sigset_t()
        sigemptyset(&noSignals)
        sigfillset(&everySignal)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setsigdefault(&attributes, &everySignal)
        posix_spawnattr_setflags(&attributes, Int16(flags))
        posix_spawnattr_setpgroup(&attributes, 0)

        var pid: pid_t = 0
        let argv = arguments.map { strdup($0) } + [nil]
        let envp = environment.map { $0.map { strdup($0) } + [nil] }
        defer {
            argv.forEach { free($0) }
            envp?.forEach { free($0) }
        }
        // Spawned and recorded under the lock `killAll` takes: an exit at this moment either
        // finds the new group or comes before it exists.
        let status = Self.running.withLock { groups in
            let status = envp.map { envp in posix_spawnp(&pid, arguments[0], &actions, &attributes, argv, envp) }
                ?? posix_spawnp(&pid, arguments[0], &actions, &attributes, argv, environ)
            if status == 0 { groups.insert(pid) }
            return status
        }
        // The child's ends are the child's now.
        for end in [stdout.write, stdin?.read, stderr?.write].compactMap({ $0 }) { close(end) }
        guard status == 0 else {
            for end in [stdout.read, stdin?.write, stderr?.read].compactMap({ $0 }) { close(end) }
            throw StartError(reason: ErrorNumber.text(status))
        }
        self.pid = pid
        self.input = stdin?.write
        self.output = stdout.read
        self.errorOutput = stderr?.read
    }

    /// Waits for the command to end (blocks: call it on a thread of its own, after its output
    /// ended) and forgets its process group.
    public func wait() -> Termination {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        _ = Self.running.withLock { $0.remove(pid) }
        let signal = status & 0x7F
        return signal == 0 ? .exited((status >> 8) & 0xFF) : .signalled(signal)
    }

    /// Sends `signal` to the command's whole process group.
    public func signal(_ signal: Int32) {
        sendSignal(-pid, signal)
    }

    // MARK: - Ending process groups

    /// The process groups of the commands started and not yet reaped.
    private static let running = Locked<Set<pid_t>>([])

    /// Ends every command still running, with whatever it started (see `kill(groups:grace:)`).
    /// For the daemon's exit (it calls `_exit`, which ends no child), so that a command waiting
    /// for input, or one ignoring SIGTERM, does not run on after the daemon. Commands started
    /// after this call began are not waited for.
    public static func killAll(grace: Double = 0.2) {
        kill(groups: running.current, grace: grace)
    }

    /// SIGTERM to each of `groups`, up to `grace` seconds for their leaders to be reaped, then
    /// SIGKILL to the groups left. Bounded by `grace`: usable on an exit or signal path.
    public static func kill(groups: Set<pid_t>, grace: Double = 0.2) {
        guard !groups.isEmpty else { return }
        for group in groups { sendSignal(-group, SIGTERM) }
        let deadline = ContinuousClock.now + .seconds(grace)
        while !running.current.isDisjoint(with: groups), ContinuousClock.now < deadline { usleep(5_000) }
        for group in running.current.intersection(groups) { sendSignal(-group, SIGKILL) }
    }

    #if canImport(Glibc)
    /// The descriptors open in this process, from /proc/self/fd.
    private static func openDescriptors() -> [Int32] {
        guard let directory = opendir("/proc/self/fd") else { return Array(3..<1024) }
        defer { closedir(directory) }
        var descriptors: [Int32] = []
        while let entry = readdir(directory) {
            let name = withUnsafePointer(to: &entry.pointee.d_name) {
                String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self))
            }
            if let descriptor = Int32(name) { descriptors.append(descriptor) }
        }
        return descriptors
    }
    #endif
}

/// `kill(2)`, named apart from the static `kill(groups:grace:)` above.
private func sendSignal(_ pid: pid_t, _ signal: Int32) {
    _ = kill(pid, signal)
}

#if canImport(Glibc)
/// glibc's `posix_spawn_file_actions_addchdir_np` (2.29), which its Swift module leaves out (a GNU
/// extension, declared only under `_GNU_SOURCE`): the child changes directory before exec.
@_silgen_name("posix_spawn_file_actions_addchdir_np")
private func spawnAddChdir(_ actions: UnsafeMutablePointer<posix_spawn_file_actions_t>, _ path: UnsafePointer<CChar>) -> Int32
#endif
