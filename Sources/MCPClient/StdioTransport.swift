import JSONRPC
import Primitives

/// An MCP server run as a local process speaking newline-delimited JSON-RPC on its stdin and
/// stdout (MCP's stdio transport).
///
/// The process (a `Subprocess`: its own process group, no descriptor of the daemon's but 0-2,
/// default signal state) gets the environment of `MCPServerEnvironment`. One reader thread per
/// server waits in `poll` on its stdout and stderr (no CPU while the server is quiet): answers go
/// to the requests waiting for them, other messages to `inbound`, stderr lines to the log with
/// the server's name. Writes go through a `PipeWriter`. When stdout ends (the server exited or
/// closed it) the process group is sent SIGTERM, the rest of stderr logged, the process reaped,
/// waiting requests failed and `onExit` told why (with the process id).
final class StdioTransport: MCPTransport {
    /// The longest message accepted from a server (a tool's answer with images).
    static let maxMessageBytes = 64 * 1024 * 1024
    /// The longest stderr line logged as it is (longer ones are logged in pieces).
    static let maxLogLineBytes = 8 * 1024

    private struct State {
        var pending: [Int: OneShot<JSONValue>] = [:]
        /// Why the server is gone, once it is.
        var ended: String?
    }

    let pid: pid_t
    private let serverName: String
    private let process: Subprocess
    private let writer: PipeWriter
    private let state = Locked(State())
    private let inbound: @Sendable (JSONValue) -> Void
    private let log: @Sendable (String) -> Void
    private let onExit: @Sendable (pid_t, String) -> Void

    /// Starts the server.
    /// - Throws: `MCPClientError.unavailable` when the command cannot be started.
    init(name: String, command: String, args: [String], env: [String: String], cwd: String?,
         log: @escaping @Sendable (String) -> Void, inbound: @escaping @Sendable (JSONValue) -> Void,
         onExit: @escaping @Sendable (pid_t, String) -> Void) throws(MCPClientError) {
        serverName = name
        self.log = log
        self.inbound = inbound
        self.onExit = onExit
        let environment = MCPServerEnvironment.entries(MCPServerEnvironment.make(adding: env))
        do {
            process = try Subprocess([command] + args, input: .pipe, errorOutput: .pipe, environment: environment, directory: cwd)
        } catch {
            throw MCPClientError(.unavailable, "MCP server \"\(name)\" could not be started (\(command)): \(error.reason)")
        }
        pid = process.pid
        writer = PipeWriter(descriptor: process.input!, name: name)
        let started = DetachedThread.start(name: "sb-mcp-r-\(name)") { [self] in readUntilExit() }
        if !started {
            process.signal(SIGKILL)
            log("MCP server \"\(name)\": no thread could be started to read it")
        }
    }

    var announcesCancellation: Bool { true }

    func adopt(_ era: Era) {}

    func exchange(_ request: OutgoingRequest) async throws -> JSONValue {
        let reply = OneShot<JSONValue>()
        let ended = state.withLock { state -> String? in
            if state.ended == nil { state.pending[request.id] = reply }
            return state.ended
        }
        if let ended { throw MCPClientError(.unavailable, ended) }
        defer { state.withLock { _ = $0.pending.removeValue(forKey: request.id) } }
        writer.write(Self.line(request.message))
        return try await reply.value()
    }

    func notify(_ message: JSONValue) async throws {
        post(message)
    }

    func post(_ message: JSONValue) {
        writer.write(Self.line(message))
    }

    func close() {
        writer.close()
        process.signal(SIGTERM)
        // A server that ignores SIGTERM is killed after a moment, off the caller's thread.
        let pid = pid
        DetachedThread.start(name: "sb-mcp-stop") { Subprocess.kill(groups: [pid], grace: 2) }
    }

    private static func line(_ message: JSONValue) -> [UInt8] {
        var bytes = message.serialized()
        bytes.append(0x0A)
        return bytes
    }

    // MARK: - Reading

    private func readUntilExit() {
        var frames = FrameParser(maxMessageBytes: Self.maxMessageBytes)
        var errorLine: [UInt8] = []
        var descriptors = [pollfd(fd: process.output, events: Int16(POLLIN), revents: 0),
                           pollfd(fd: process.errorOutput!, events: Int16(POLLIN), revents: 0)]
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        var outputOpen = true
        var errorOpen = true
        while outputOpen || errorOpen {
            for index in descriptors.indices { descriptors[index].revents = 0 }
            let ready = poll(&descriptors, nfds_t(descriptors.count), -1)
            if ready < 0 {
                if errno == EINTR { continue }
                break
            }
            for index in descriptors.indices where descriptors[index].fd >= 0 && descriptors[index].revents != 0 {
                let count = chunk.withUnsafeMutableBytes { buffer in
                    (try? FileIO.read(descriptors[index].fd, into: buffer)) ?? 0
                }
                if count > 0 {
                    if index == 0 {
                        frames.append(chunk[0..<count])
                        while let event = frames.next() { handle(event) }
                    } else {
                        logLines(chunk[0..<count], pending: &errorLine)
                    }
                    continue
                }
                closeDescriptor(descriptors[index].fd)
                descriptors[index].fd = -1
                if index == 0 {
                    outputOpen = false
                    if let event = frames.finish() { handle(event) }
                    // Without its output the server is of no use: end it and what it started.
                    process.signal(SIGTERM)
                } else {
                    errorOpen = false
                }
            }
        }
        if !errorLine.isEmpty { logLines([0x0A], pending: &errorLine) }
        let termination = process.wait()
        let reason = "MCP server \"\(serverName)\" exited (\(termination))"
        let waiting = state.withLock { state in
            state.ended = reason
            defer { state.pending = [:] }
            return Array(state.pending.values)
        }
        for reply in waiting { reply.resolve(.failure(MCPClientError(.protocolViolation, reason + " before answering"))) }
        writer.close()
        onExit(process.pid, reason)
    }

    private func handle(_ event: FrameEvent) {
        switch event {
        case .message(let bytes, _):
            guard let message = try? JSONParser.parse(bytes), message.objectValue != nil else {
                let text = String(decoding: bytes.prefix(200), as: UTF8.self)
                return log("MCP server \"\(serverName)\" wrote a line that is not a JSON-RPC message to stdout: \(text)")
            }
            if message["method"] == nil, let id = message["id"]?.intValue {
                let reply = state.withLock { $0.pending[id] }
                if let reply { reply.resolve(.success(message)) } else { log("MCP server \"\(serverName)\" answered request \(id), which is no longer waiting") }
                return
            }
            inbound(message)
        case .oversized:
            let reason = "MCP server \"\(serverName)\" sent a message larger than \(Self.maxMessageBytes >> 20) MiB"
            log(reason)
            let waiting = state.withLock { state in
                defer { state.pending = [:] }
                return Array(state.pending.values)
            }
            for reply in waiting { reply.resolve(.failure(MCPClientError(.protocolViolation, reason))) }
        case .malformed(_, let reason):
            log("MCP server \"\(serverName)\" wrote something that is not a JSON-RPC message to stdout: \(reason)")
        }
    }

    /// Logs each complete line of the server's stderr, prefixed with its name.
    private func logLines(_ bytes: ArraySlice<UInt8>, pending: inout [UInt8]) {
        for byte in bytes {
            if byte == 0x0A || pending.count >= Self.maxLogLineBytes {
                if byte != 0x0A { pending.append(byte) }
                var line = pending
                if line.last == 0x0D { line.removeLast() }
                pending.removeAll(keepingCapacity: true)
                if !line.isEmpty { log("mcp \(serverName): \(String(decoding: line, as: UTF8.self))") }
            } else {
                pending.append(byte)
            }
        }
    }
}
