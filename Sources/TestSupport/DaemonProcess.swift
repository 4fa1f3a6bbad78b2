import Foundation
public import JSONRPC
#if canImport(Glibc)
import Glibc
#endif

/// The real `switchboard` binary, spawned as users do and driven over pipes, or over UNIX
/// sockets as Node, VS Code and Neovim spawn it (see `Stdio`).
///
/// Output is read on a background thread and split with the daemon's own frame parser, so both
/// framings can be checked; stderr is collected for assertions about logs.
public final class DaemonProcess: Sendable {
    /// Thrown when the daemon does not produce what a test waits for in time.
    public struct Timeout: Error, CustomStringConvertible {
        public let description: String
    }

    private let process: Process
    private let stdin: FileHandle
    private let output = Mailbox<FrameEvent>()
    private let rawStdout = Mailbox<UInt8>()
    private let stderrText = Mailbox<UInt8>()
    private let stdoutClosed = Mailbox<Bool>()
    private let sentMessages = Mailbox<JSONValue>()
    /// While true the stdout reader does not read: the daemon meets a client that stopped reading.
    private let readingPaused = Flag(false)

    /// The built daemon: `$SWITCHBOARD_BIN`, else `.build/debug/switchboard` in this package.
    public static var binaryPath: String {
        if let path = ProcessInfo.processInfo.environment["SWITCHBOARD_BIN"] { return path }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        for configuration in ["debug", "release"] {
            let candidate = root.appendingPathComponent(".build/\(configuration)/switchboard").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return root.appendingPathComponent(".build/debug/switchboard").path
    }

    /// What the daemon's stdin and stdout are.
    public enum Stdio: Sendable {
        /// Pipes, as a shell, Python's `subprocess` or Swift's `Process` give them.
        case pipes
        /// A UNIX stream socket each (`socketpair(AF_UNIX, SOCK_STREAM)`), as Node (libuv), VS Code
        /// and Neovim give them: more buffer than a pipe, and `POLLOUT` means something else.
        case unixSockets
    }

    /// Starts the daemon with a clean environment: only `environment` plus PATH and HOME (a
    /// temporary one, so no user config file is read).
    public init(arguments: [String] = [], environment: [String: String] = [:], binary: String = DaemonProcess.binaryPath,
                stdio: Stdio = .pipes) throws {
        process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        var env = Self.cleanEnvironment()
        env.merge(environment) { _, new in new }
        process.environment = env
        let err = Pipe()
        process.standardError = err
        let stdout: FileHandle
        var childEnds: [FileHandle] = []
        switch stdio {
        case .pipes:
            let input = Pipe(), out = Pipe()
            process.standardInput = input
            process.standardOutput = out
            stdin = input.fileHandleForWriting
            stdout = out.fileHandleForReading
        case .unixSockets:
            let (input, daemonInput) = try Self.socketPair()
            let (out, daemonOutput) = try Self.socketPair()
            process.standardInput = daemonInput
            process.standardOutput = daemonOutput
            childEnds = [daemonInput, daemonOutput]
            stdin = input
            stdout = out
        }
        try process.run()
        // The daemon holds its own copies now: ours would keep its input from ever ending.
        for handle in childEnds { try? handle.close() }
        Self.pump(stdout, into: rawStdout, frames: output, closed: stdoutClosed, paused: readingPaused)
        Self.pump(err.fileHandleForReading, into: stderrText, frames: nil, closed: nil, paused: nil)
    }

    /// A connected pair of UNIX stream sockets: the test's end, the daemon's end.
    private static func socketPair() throws -> (FileHandle, FileHandle) {
        var fds: [Int32] = [0, 0]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &fds) == 0 else {
            throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
        }
        return (FileHandle(fileDescriptor: fds[0], closeOnDealloc: true), FileHandle(fileDescriptor: fds[1], closeOnDealloc: true))
    }

    /// An environment for a spawned daemon or client: PATH, a new empty HOME (so no user config
    /// file is read), and the sanitizer settings of this process, so that a sanitized daemon
    /// (scripts/sanitize.sh) runs with them.
    public static func cleanEnvironment() -> [String: String] {
        let inherited = ProcessInfo.processInfo.environment
        var environment = ["PATH": inherited["PATH"] ?? "/usr/bin:/bin",
                           "HOME": FileManager.default.temporaryDirectory.appendingPathComponent("switchboard-home-\(UUID().uuidString)").path]
        for name in ["ASAN_OPTIONS", "TSAN_OPTIONS", "LSAN_OPTIONS"] { environment[name] = inherited[name] }
        return environment
    }

    deinit {
        if process.isRunning { process.terminate() }
    }

    private static func pump(_ handle: FileHandle, into bytes: Mailbox<UInt8>, frames: Mailbox<FrameEvent>?, closed: Mailbox<Bool>?,
                             paused: Flag?) {
        let thread = Thread {
            var parser = FrameParser(maxMessageBytes: 1 << 30)
            let fd = handle.fileDescriptor
            var buffer = [UInt8](repeating: 0, count: 65536)
            while true {
                while paused?.isSet == true { usleep(5_000) }
                let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                if count < 0, errno == EINTR { continue }
                if count <= 0 { break }
                bytes.post(contentsOf: buffer[0..<count])
                if let frames {
                    parser.append(buffer[0..<count])
                    while let event = parser.next() { frames.post(event) }
                }
            }
            if let frames { while let event = parser.finish() { frames.post(event) } }
            closed?.post(true)
        }
        thread.start()
    }

    public var pid: Int32 { process.processIdentifier }

    /// Stops reading the daemon's stdout (a client that stalls); its pipe (or socket) fills and its writes block.
    public func pauseReading() { readingPaused.set(true) }

    /// Reads the daemon's stdout again.
    public func resumeReading() { readingPaused.set(false) }

    /// Writes one message as an NDJSON line.
    public func send(_ message: JSONValue) {
        sentMessages.post(message)
        write(message.serialized() + [0x0A])
    }

    /// Every message sent with `send`, in order.
    public var sent: [JSONValue] { sentMessages.snapshot() }

    /// Every message the daemon has written so far, whatever was consumed by `next`.
    public func writtenMessages() throws -> [JSONValue] {
        var parser = FrameParser(maxMessageBytes: 1 << 30)
        parser.append(stdoutBytes)
        var messages: [JSONValue] = []
        while let event = parser.next() ?? parser.finish() {
            if case .message(let bytes, _) = event { messages.append(try JSONParser.parse(bytes)) }
        }
        return messages
    }

    /// Writes bytes as they are.
    public func write(_ bytes: [UInt8]) {
        try? stdin.write(contentsOf: Data(bytes))
    }

    /// Closes stdin (end of input).
    public func closeInput() {
        try? stdin.close()
    }

    public func signal(_ signalNumber: Int32) {
        kill(process.processIdentifier, signalNumber)
    }

    /// The next frame the daemon wrote.
    public func nextFrame(timeout: Double = TestTiming.seconds(10)) throws -> FrameEvent {
        guard let event = output.take(timeout: timeout) else {
            throw Timeout(description: "no output within \(timeout) s; stderr: \(stderr)")
        }
        return event
    }

    /// The next message the daemon wrote, parsed.
    public func next(timeout: Double = TestTiming.seconds(10)) throws -> JSONValue {
        let event = try nextFrame(timeout: timeout)
        guard case .message(let bytes, _) = event else { throw Timeout(description: "unexpected frame event \(event)") }
        return try JSONParser.parse(bytes)
    }

    /// Reads until the response to `id`, returning it and everything read before it.
    public func response(to id: JSONValue, timeout: Double = TestTiming.seconds(10)) throws -> (response: JSONValue, before: [JSONValue]) {
        var before: [JSONValue] = []
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let message = try next(timeout: max(0.01, deadline.timeIntervalSinceNow))
            if message["id"] == id, message["method"] == nil { return (message, before) }
            before.append(message)
        }
    }

    /// Sends a request and waits for its response; returns the response and the notifications
    /// that came before it.
    public func call(_ method: String, _ params: JSONValue? = nil, id: JSONValue = 1, timeout: Double = TestTiming.seconds(10)) throws -> (response: JSONValue, before: [JSONValue]) {
        var message: JSONObject = ["jsonrpc": "2.0", "id": id, "method": .string(method)]
        if let params { message["params"] = params }
        send(.object(message))
        return try response(to: id, timeout: timeout)
    }

    /// Every message written until stdout closes.
    public func drain(timeout: Double = TestTiming.seconds(10)) throws -> [JSONValue] {
        var messages: [JSONValue] = []
        let deadline = Date().addingTimeInterval(timeout)
        while stdoutClosed.peek() == nil || output.count > 0 {
            guard let event = output.take(timeout: min(0.05, max(0.001, deadline.timeIntervalSinceNow))) else {
                if Date() > deadline { throw Timeout(description: "stdout still open after \(timeout) s") }
                continue
            }
            if case .message(let bytes, _) = event { messages.append(try JSONParser.parse(bytes)) }
        }
        return messages
    }

    /// Waits for the process to end and returns its exit status.
    public func waitForExit(timeout: Double = TestTiming.seconds(10)) throws -> Int32 {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning {
            if Date() > deadline {
                process.terminate()
                throw Timeout(description: "daemon still running after \(timeout) s; stderr: \(stderr)")
            }
            usleep(5_000)
        }
        return process.terminationStatus
    }

    /// Everything written to stderr so far.
    public var stderr: String { String(decoding: stderrText.snapshot(), as: UTF8.self) }

    /// Everything read from stdout so far; once the process has exited, everything it wrote (it
    /// waits, briefly, for the reader to reach the end of the pipe).
    public var stdoutBytes: [UInt8] {
        if !process.isRunning {
            let deadline = Date().addingTimeInterval(5)
            while stdoutClosed.peek() == nil, Date() < deadline { usleep(1_000) }
        }
        return rawStdout.snapshot()
    }
}
