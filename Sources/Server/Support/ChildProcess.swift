import FoundationEssentials
import Primitives

/// A command run in a process group of its own, its stdout read through a pipe.
///
/// Started with `posix_spawnp` (the command is searched on PATH): stdin is /dev/null, stdout the
/// pipe, stderr the daemon's, and no other descriptor of the daemon's is inherited (the protocol
/// stream, connections). It starts with no signal blocked and every signal's default action: the
/// spawning thread's mask and the signals the daemon ignores (SIGPIPE; SIGINT and SIGTERM until
/// its signal queue takes them) would otherwise pass to it, and a blocked or ignored SIGTERM sent
/// to stop it would do nothing. Its own process group lets `signal` reach the command and whatever it
/// started (a shell's children), so that stopping it also ends what holds the pipe open.
///
/// The groups of the commands still running are recorded, so that `killAll` can end them when
/// the daemon exits: none outlives it.
public final class ChildProcess: Sendable {
    /// Why the command could not be started (`errno`'s text).
    struct StartError: Error {
        let reason: String
    }

    /// How the command ended.
    enum Termination: Equatable, Sendable {
        case exited(Int32)
        case signalled(Int32)
    }

    let pid: pid_t
    private let output: Int32

    init(_ arguments: [String]) throws(StartError) {
        var pipeEnds: [Int32] = [0, 0]
        guard pipe(&pipeEnds) == 0 else { throw StartError(reason: ErrorNumber.text(errno)) }
        let (readEnd, writeEnd) = (pipeEnds[0], pipeEnds[1])
        _ = fcntl(readEnd, F_SETFD, FD_CLOEXEC)

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
        posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, writeEnd, STDOUT_FILENO)
        var flags = Int32(POSIX_SPAWN_SETPGROUP)
        #if canImport(Glibc)
        // glibc ignores a close of a descriptor that is not open, so listing them is enough.
        for descriptor in Self.openDescriptors() where descriptor > STDERR_FILENO {
            posix_spawn_file_actions_addclose(&actions, descriptor)
        }
        #else
        flags |= Int32(POSIX_SPAWN_CLOEXEC_DEFAULT)
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
        defer { argv.forEach { free($0) } }
        // Spawned and recorded under the lock `killAll` takes: an exit at this moment either
        // finds the new group or comes before it exists.
        let status = Self.running.withLock { groups in
            let status = posix_spawnp(&pid, arguments[0], &actions, &attributes, argv, environ)
            if status == 0 { groups.insert(pid) }
            return status
        }
        close(writeEnd)
        guard status == 0 else {
            close(readEnd)
            throw StartError(reason: ErrorNumber.text(status))
        }
        self.pid = pid
        output = readEnd
    }

    /// What `finish` read from stdout.
    enum Output: Equatable, Sendable {
        case complete([UInt8])
        /// More than the limit arrived (the bytes themselves are dropped).
        case overLimit
    }

    /// Reads stdout to its end, keeping at most `limit` bytes (the rest is read and dropped, so
    /// the command never blocks on a full pipe), then waits for the command to end. Blocks: call
    /// it on a thread of its own.
    func finish(limit: Int) -> (termination: Termination, output: Output) {
        var kept: [UInt8] = []
        var overLimit = false
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(output, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR { continue }
            if count <= 0 { break }
            overLimit = overLimit || kept.count + count > limit
            if !overLimit { kept += chunk[0..<count] }
        }
        close(output)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        _ = Self.running.withLock { $0.remove(pid) }
        let signal = status & 0x7F
        return (signal == 0 ? .exited((status >> 8) & 0xFF) : .signalled(signal), overLimit ? .overLimit : .complete(kept))
    }

    /// Sends `signal` to the command's whole process group.
    func signal(_ signal: Int32) {
        kill(-pid, signal)
    }

    // MARK: - Every command, at exit

    /// The process groups of the commands started and not yet reaped.
    private static let running = Locked<Set<pid_t>>([])

    /// Ends every command still running, with whatever it started: SIGTERM to each process group,
    /// up to `grace` seconds for them to end, then SIGKILL to the groups left. For the daemon's
    /// exit (it calls `_exit`, which ends no child), so that a command waiting for input, or one
    /// ignoring SIGTERM, does not run on after the daemon. Commands started after this call began
    /// are not waited for.
    public static func killAll(grace: Double = 0.2) {
        let groups = running.current
        guard !groups.isEmpty else { return }
        for group in groups { kill(-group, SIGTERM) }
        let deadline = ContinuousClock.now + .seconds(grace)
        while !running.current.isDisjoint(with: groups), ContinuousClock.now < deadline { usleep(5_000) }
        for group in running.current.intersection(groups) { kill(-group, SIGKILL) }
    }

    #if canImport(Glibc)
    /// The descriptors open in this process, from /proc/self/fd.
    private static func openDescriptors() -> [Int32] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd") else {
            return Array(3..<1024)
        }
        return names.compactMap { Int32($0) }
    }
    #endif
}
