public import JSONRPC

/// One entry of the configuration's `mcp_servers`: how to reach an MCP server and what the agent
/// loop may do with it. Two specs with the same name and transport reach the same running server;
/// a changed transport (a new command, args, env, cwd, URL or headers) starts a new one, while
/// `trust`, `enabled`, `timeoutSeconds` and `allowedTools` apply per call and restart nothing.
public struct MCPServerSpec: Sendable, Hashable {
    /// How the server is reached.
    public enum Transport: Sendable, Hashable {
        /// A local process speaking newline-delimited JSON-RPC on its stdin and stdout.
        /// `env` is added to a minimal environment (see `MCPServerEnvironment`); `cwd` nil means
        /// the daemon's working directory.
        case stdio(command: String, args: [String], env: [String: String], cwd: String?)
        /// A Streamable HTTP endpoint; `headers` go with every request (e.g. Authorization).
        case http(url: String, headers: [String: String])
    }

    /// The name under `mcp_servers`: how requests and tool names refer to the server.
    public var name: String
    public var transport: Transport
    /// Calls to this server's tools run without asking the client (`trust: true`).
    public var trust: Bool
    /// A disabled server is listed but never started or offered.
    public var enabled: Bool
    /// The longest a single request to the server (a tool call, a listing) may take.
    public var timeoutSeconds: Double
    /// When set, only these of the server's tools (by their MCP names) are offered.
    public var allowedTools: [String]?

    public init(name: String, transport: Transport, trust: Bool = false, enabled: Bool = true,
                timeoutSeconds: Double = 60, allowedTools: [String]? = nil) {
        self.name = name
        self.transport = transport
        self.trust = trust
        self.enabled = enabled
        self.timeoutSeconds = timeoutSeconds
        self.allowedTools = allowedTools
    }
}

/// A tool as an MCP server lists it (`tools/list`).
public struct MCPTool: Sendable, Equatable {
    /// The tool's MCP name (what `tools/call` takes).
    public var name: String
    public var description: String
    /// The JSON Schema of its arguments (`inputSchema`); `{"type":"object"}` when the server gave none.
    public var inputSchema: JSONValue

    public init(name: String, description: String, inputSchema: JSONValue) {
        self.name = name
        self.description = description
        self.inputSchema = inputSchema
    }
}

/// What a tool call produced, ready for the model.
public struct MCPToolResult: Sendable, Equatable {
    /// The result as text: text parts joined with blank lines, structured content as JSON text,
    /// other parts described in a line; cut at the output limit with a note saying so.
    public var text: String
    /// The server said the call failed (`isError: true`): the text is its explanation.
    public var isError: Bool
    /// Image parts, for a model that can see them.
    public var images: [Image]

    /// One image part of a result.
    public struct Image: Sendable, Equatable {
        public var mimeType: String
        /// The image's bytes, base64-encoded, as the server sent them.
        public var base64: String

        public init(mimeType: String, base64: String) {
            self.mimeType = mimeType
            self.base64 = base64
        }
    }

    public init(text: String, isError: Bool = false, images: [Image] = []) {
        self.text = text
        self.isError = isError
        self.images = images
    }
}

/// A progress report of a running tool call (`notifications/progress`).
public struct MCPProgress: Sendable, Equatable {
    public var progress: Double
    public var total: Double?
    public var message: String?

    public init(progress: Double, total: Double? = nil, message: String? = nil) {
        self.progress = progress
        self.total = total
        self.message = message
    }
}

/// Where a configured server stands, for `tools.list`.
public enum MCPServerStatus: Sendable, Equatable {
    /// Configured but not started yet (servers start at first use).
    case idle
    case starting
    case ready
    /// Could not be started or reached, or crashed; the text says why.
    case failed(String)
    /// `enabled: false`.
    case disabled

    /// The status's name as `tools.list` shows it.
    public var name: String {
        switch self {
        case .idle: "idle"
        case .starting: "starting"
        case .ready: "ready"
        case .failed: "failed"
        case .disabled: "disabled"
        }
    }
}

/// Why a request to an MCP server failed. The message is for the model and the user alike: it
/// names the server and says what happened (never a secret of the configuration).
public struct MCPClientError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// The server could not be started or reached.
        case unavailable
        /// It took longer than `timeout_seconds`.
        case timeout
        /// It answered with a JSON-RPC error (`code`).
        case server(code: Int)
        /// It broke the protocol (garbage, a wrong answer) or exited mid-call.
        case protocolViolation
    }

    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}

/// The MCP servers the agent loop uses: started at first use, kept, restarted after a crash,
/// all stopped with the daemon. Cancelling the calling task cancels the request on the server
/// (`notifications/cancelled`).
public protocol MCPToolSource: Sendable {
    /// The server's tools (every page of `tools/list`), filtered by `allowedTools`; starts the
    /// server if it is not running. Throws `MCPClientError` or `CancellationError`.
    func tools(of server: MCPServerSpec) async throws -> [MCPTool]
    /// Calls `tool` with `arguments`; `progress` sees the server's progress reports. A result
    /// with `isError` is returned, not thrown. Throws `MCPClientError` or `CancellationError`.
    func call(_ tool: String, arguments: JSONObject, on server: MCPServerSpec,
              progress: @escaping @Sendable (MCPProgress) -> Void) async throws -> MCPToolResult
    /// Where the server stands (no side effect: an idle server stays idle).
    func status(of server: MCPServerSpec) -> MCPServerStatus
    /// Stops every server (their process groups are killed); for the daemon's exit.
    func stopAll()
}
