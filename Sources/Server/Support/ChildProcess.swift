import Primitives

/// A command run in a process group of its own (`Subprocess`), its stdout read through a pipe:
/// stdin is /dev/null, stderr the daemon's, the daemon's own environment.
///
/// The groups of the commands still running are recorded, so that `killAll` can end them when
/// the daemon exits: none outlives it (MCP servers, started as `Subprocess`es too, included).
public final class ChildProcess: Sendable {
    /// Why the command could not be started (`errno`'s text).
    typealias StartError = Subprocess.StartError
    /// How the command ended.
    typealias Termination = Subprocess.Termination

    private let process: Subprocess
    var pid: pid_t { process.pid }

    init(_ arguments: [String]) throws(StartError) {
        process = try Subprocess(arguments)
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
            let count = chunk.withUnsafeMutableBytes { read(process.output, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR { continue }
            if count <= 0 { break }
            overLimit = overLimit || kept.count + count > limit
            if !overLimit { kept += chunk[0..<count] }
        }
        close(process.output)
        return (process.wait(), overLimit ? .overLimit : .complete(kept))
    }

    /// Sends `signal` to the command's whole process group.
    func signal(_ signal: Int32) {
        process.signal(signal)
    }

    /// Ends every command still running, with whatever it started: SIGTERM to each process group,
    /// up to `grace` seconds for them to end, then SIGKILL to the groups left. For the daemon's
    /// exit (see `Subprocess.killAll`).
    public static func killAll(grace: Double = 0.2) {
        Subprocess.killAll(grace: grace)
    }
}
