import JSONRPC

/// Whether a call to an MCP tool runs: `agent.run`'s `approval`. A server with `trust: true`
/// runs without asking whatever the policy; the client's own tools are never asked about (the
/// client runs them, and decides there).
enum ApprovalPolicy: String, Sendable {
    /// Ask the client (`tool.approve`) before each call.
    case ask
    /// Run every call.
    case auto
    /// Refuse every call to an untrusted server.
    case deny

    init(_ value: String?) throws(ResponseError) {
        guard let value else { self = .ask; return }
        guard let policy = ApprovalPolicy(rawValue: value) else {
            throw .invalidParams(field: "approval", "must be \"ask\", \"auto\" or \"deny\", got \"\(value)\"")
        }
        self = policy
    }
}
