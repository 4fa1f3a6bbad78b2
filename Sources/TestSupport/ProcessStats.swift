import Foundation

/// Processes as the tests see them: the CPU time and memory of a running one, read from `/proc`
/// (Linux; nil elsewhere), and the id of one that has ended.
public enum ProcessStats {
    /// The process id of a process that has run and ended (`/bin/true`), for tests of code that
    /// tells a running process from one that is gone.
    public static func endedProcessID() throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/true")
        try process.run()
        process.waitUntilExit()
        return process.processIdentifier
    }

    /// User plus system CPU seconds the process has used so far.
    public static func cpuSeconds(_ pid: Int32) -> Double? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return nil }
        // Fields after the command name: state is field 3; utime and stime are fields 14 and 15.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// Resident memory now (`VmRSS`), in MiB.
    public static func residentMiB(_ pid: Int32) -> Double? { statusField("VmRSS", pid) }

    /// The most resident memory so far (`VmHWM`), in MiB.
    public static func peakResidentMiB(_ pid: Int32) -> Double? { statusField("VmHWM", pid) }

    private static func statusField(_ name: String, _ pid: Int32) -> Double? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix(name + ":") {
            let kib = line.split(separator: " ").dropFirst().first.flatMap { Double($0) }
            return kib.map { $0 / 1024 }
        }
        return nil
    }
}
