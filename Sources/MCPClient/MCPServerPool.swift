public import HTTP
public import JSONRPC
import Primitives

/// The MCP servers the agent loop uses (`MCPToolSource`), one running connection per configured
/// name.
///
/// - A server starts at its first use (`tools(of:)`, `call`) and is kept. Callers that come while
///   it starts wait for the same start; a caller that is cancelled stops waiting at once.
/// - A spec whose transport changed for a name (a new command, args, env, cwd, URL or headers)
///   stops the old server and starts the new one. Other fields (`trust`, `allowedTools`,
///   `timeoutSeconds`) are taken from each call's spec and restart nothing.
/// - A server that exits, or fails to start, is started again at its next use, after a pause
///   that doubles with each failure in a row (1 s, 2 s, ... 30 s; back to 1 s after a server ran
///   30 s). During the pause calls fail at once with `.unavailable` saying what happened.
/// - `stopAll` ends every stdio server's process group, bounded in time (for the exit path).
///
/// Log lines name the server, never a header or environment value.
public final class MCPServerPool: MCPToolSource {
    /// The first pause after a failure, and the longest.
    static let firstPause = 1.0
    static let longestPause = 30.0

    private enum State {
        case starting(OneShot<MCPSession>)
        case ready(MCPSession)
        /// The server exited or could not start; no new start before `retryAt`.
        case failed(String, retryAt: ContinuousClock.Instant)
    }

    private struct Entry {
        var spec: MCPServerSpec
        var state: State
        /// The pause before the next start after a failure.
        var pause: Double
    }

    private let engine: HTTPEngine
    private let log: @Sendable (String) -> Void
    private let clientInfo: JSONValue
    private let entries = Locked<[String: Entry]>([:])
    /// The process groups of this pool's stdio servers, for `stopAll`.
    private let groups = Locked<Set<pid_t>>([])

    /// - Parameters:
    ///   - log: where lines for the daemon's log go (stderr).
    ///   - clientVersion: the version in the `clientInfo` servers are told.
    public init(engine: HTTPEngine = .shared, clientVersion: String = "dev", log: @escaping @Sendable (String) -> Void) {
        self.engine = engine
        self.log = log
        clientInfo = ["name": "switchboard", "version": .string(clientVersion)]
    }

    public func tools(of server: MCPServerSpec) async throws -> [MCPTool] {
        let tools: [MCPTool]
        do {
            tools = try await session(for: server).tools(timeout: server.timeoutSeconds)
        } catch let answer as ErrorAnswer {
            throw MCPClientError(.server(code: answer.code), "MCP server \"\(server.name)\" refused tools/list: \(answer.message)")
        }
        guard let allowed = server.allowedTools else { return tools }
        return tools.filter { allowed.contains($0.name) }
    }

    public func call(_ tool: String, arguments: JSONObject, on server: MCPServerSpec,
                     progress: @escaping @Sendable (MCPProgress) -> Void) async throws -> MCPToolResult {
        if let allowed = server.allowedTools, !allowed.contains(tool) {
            throw MCPClientError(.unavailable, "the tool \(tool) of MCP server \"\(server.name)\" is not in its allow-list (tools)")
        }
        let session = try await session(for: server)
        do {
            return try await session.call(tool, arguments: arguments, timeout: server.timeoutSeconds, onProgress: progress)
        } catch let answer as ErrorAnswer {
            throw MCPClientError(.server(code: answer.code), "MCP server \"\(server.name)\" refused tools/call \(tool): \(answer.message)")
        }
    }

    public func status(of server: MCPServerSpec) -> MCPServerStatus {
        guard server.enabled else { return .disabled }
        return entries.withLock { entries in
            guard let entry = entries[server.name], entry.spec.transport == server.transport else { return .idle }
            switch entry.state {
            case .starting: return .starting
            case .ready: return .ready
            case .failed(let reason, _): return .failed(reason)
            }
        }
    }

    public func stopAll() {
        let sessions = entries.withLock { entries in
            defer { entries = [:] }
            return entries.values.compactMap { entry -> MCPSession? in
                if case .ready(let session) = entry.state { session } else { nil }
            }
        }
        let groups = groups.withLock { groups in
            defer { groups = [] }
            return groups
        }
        for session in sessions where !(session.transport is StdioTransport) { session.close() }
        Subprocess.kill(groups: groups, grace: 0.2)
    }

    // MARK: - Starting

    private enum Next {
        case use(MCPSession)
        case wait(OneShot<MCPSession>)
        case fail(String)
        case start(OneShot<MCPSession>)
    }

    /// The running session for `spec`, started if need be.
    private func session(for spec: MCPServerSpec) async throws -> MCPSession {
        guard spec.enabled else { throw MCPClientError(.unavailable, "MCP server \"\(spec.name)\" is disabled (enabled: false)") }
        var replaced: MCPSession?
        let next = entries.withLock { entries -> Next in
            var pause = Self.firstPause
            if let entry = entries[spec.name] {
                if entry.spec.transport == spec.transport {
                    switch entry.state {
                    case .ready(let session): return .use(session)
                    case .starting(let start): return .wait(start)
                    case .failed(let reason, let retryAt):
                        let left = retryAt - .now
                        if left > .zero {
                            return .fail("\(reason); it is started again in \(Self.seconds(left).formatted(places: 1)) s")
                        }
                        pause = entry.pause
                    }
                } else if case .ready(let session) = entry.state {
                    replaced = session
                }
            }
            let start = OneShot<MCPSession>()
            entries[spec.name] = Entry(spec: spec, state: .starting(start), pause: pause)
            return .start(start)
        }
        if let replaced {
            log("MCP server \"\(spec.name)\": its configuration changed; stopping the running one")
            replaced.close()
        }
        switch next {
        case .use(let session): return session
        case .wait(let start): return try await start.value()
        case .fail(let reason): throw MCPClientError(.unavailable, reason)
        case .start(let start):
            Task.detached { [self] in await self.start(spec, into: start) }
            return try await start.value()
        }
    }

    private func start(_ spec: MCPServerSpec, into start: OneShot<MCPSession>) async {
        log("MCP server \"\(spec.name)\": starting")
        do {
            let session = try makeSession(spec)
            do {
                try await session.open()
            } catch {
                session.close()
                throw error
            }
            let current = entries.withLock { entries -> Bool in
                guard let entry = entries[spec.name], case .starting(let pending) = entry.state, pending === start else { return false }
                entries[spec.name]?.state = .ready(session)
                return true
            }
            if !current { session.close() }
            start.resolve(.success(session))
        } catch {
            let failure = Self.clientError(error, server: spec.name)
            log("MCP server \"\(spec.name)\" could not be started: \(failure.message)")
            entries.withLock { entries in
                guard let entry = entries[spec.name], case .starting(let pending) = entry.state, pending === start else { return }
                entries[spec.name] = Entry(spec: spec, state: .failed(failure.message, retryAt: .now + .seconds(entry.pause)),
                                           pause: min(Self.longestPause, entry.pause * 2))
            }
            start.resolve(.failure(failure))
        }
    }

    private func makeSession(_ spec: MCPServerSpec) throws -> MCPSession {
        let log = self.log
        return try MCPSession(spec: spec, clientInfo: clientInfo, log: log) { inbound in
            switch spec.transport {
            case .stdio(let command, let args, let env, let cwd):
                let transport = try StdioTransport(name: spec.name, command: command, args: args, env: env, cwd: cwd, log: log,
                                                   inbound: inbound) { [weak self] pid, reason in self?.exited(spec, pid: pid, reason: reason) }
                let pid = transport.pid
                groups.withLock { _ = $0.insert(pid) }
                return transport
            case .http(let url, let headers):
                return HTTPTransport(name: spec.name, url: url, headers: headers, engine: engine, timeoutSeconds: spec.timeoutSeconds,
                                     log: log, inbound: inbound)
            }
        }
    }

    /// A stdio server's process ended: the next use starts it again, after the pause.
    private func exited(_ spec: MCPServerSpec, pid: pid_t, reason: String) {
        groups.withLock { _ = $0.remove(pid) }
        let pause: Double? = entries.withLock { entries in
            guard let entry = entries[spec.name], entry.spec.transport == spec.transport, case .ready(let session) = entry.state else { return nil }
            let ranLong = Self.seconds(.now - session.started) >= Self.longestPause
            let pause = ranLong ? Self.firstPause : entry.pause
            entries[spec.name] = Entry(spec: spec, state: .failed(reason, retryAt: .now + .seconds(pause)),
                                       pause: min(Self.longestPause, pause * 2))
            return pause
        }
        if let pause { log("\(reason); it is started again at its next use, in \(pause.formatted(places: 0)) s at the earliest") }
    }

    private static func clientError(_ error: any Error, server: String) -> MCPClientError {
        switch error {
        case let error as MCPClientError: error
        case let answer as ErrorAnswer: MCPClientError(.server(code: answer.code), "MCP server \"\(server)\": \(answer.message)")
        case is CancellationError: MCPClientError(.unavailable, "MCP server \"\(server)\": its start was cancelled")
        default: MCPClientError(.unavailable, "MCP server \"\(server)\": \(error)")
        }
    }

    private static func seconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
