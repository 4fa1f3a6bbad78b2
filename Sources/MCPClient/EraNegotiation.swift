import JSONRPC

/// Finds which protocol era a server speaks, as the official SDK's `mode='auto'` does.
///
/// First `server/discover` at the modern revision. A result listing that revision means a
/// modern server. Anything else that is not positive evidence of a modern server falls back to
/// `initialize`: any error answer (-32601 from a legacy server, -32602, an invalid request, a
/// 4xx without JSON-RPC body over HTTP), a result that lists no revision of ours, and silence
/// for `probeLimit` seconds from a stdio server (a legacy one may ignore unknown methods). Over
/// HTTP every request gets an answer, so silence there is a slow server, not a legacy one: the
/// probe waits the server's full time limit. The one exception: -32022 listing only modern
/// revisions we do not speak is a real incompatibility.
///
/// `initialize` asks for 2025-11-25 and accepts any legacy revision we know in the answer; an
/// unknown one is refused. A -32022 answer to `initialize` that lists our modern revision (the
/// probe timed out here but reached a slow-starting modern server, which then refuses the
/// handshake) leads to one more probe, with the full time limit.
struct EraNegotiation {
    /// How long the probe of a stdio server waits before trying `initialize`.
    static let probeLimit = 3.0

    let session: MCPSession

    private var name: String { session.name }

    /// The probe's time limit: `probeLimit` for a stdio server, the full limit over HTTP.
    private var firstProbeLimit: Double {
        switch session.spec.transport {
        case .stdio: min(Self.probeLimit, session.spec.timeoutSeconds)
        case .http: session.spec.timeoutSeconds
        }
    }

    func run() async throws -> Era {
        switch try await probe(limit: firstProbeLimit) {
        case .modern: return .modern(ProtocolRevision.modern)
        case .legacy: break
        }
        do {
            return try await initialize()
        } catch let answer as ErrorAnswer where answer.code == ProtocolRevision.unsupportedVersionCode
            && Self.supported(in: answer).contains(ProtocolRevision.modern) {
            if case .modern = try await probe(limit: session.spec.timeoutSeconds) { return .modern(ProtocolRevision.modern) }
            throw MCPClientError(.unavailable, "MCP server \"\(name)\" refused initialize (\(answer.message)) but does not answer server/discover")
        } catch let answer as ErrorAnswer {
            throw MCPClientError(.unavailable, "MCP server \"\(name)\" refused initialize: \(answer.message) (\(answer.code))")
        }
    }

    private enum Verdict { case modern, legacy }

    private func probe(limit: Double) async throws -> Verdict {
        let meta = session.modernMeta(ProtocolRevision.modern)
        do {
            let result = try await session.request("server/discover", meta: meta, timeout: limit)
            let versions = result["supportedVersions"]?.arrayValue?.compactMap(\.stringValue) ?? []
            return versions.contains(ProtocolRevision.modern) ? .modern : .legacy
        } catch let answer as ErrorAnswer {
            let supported = Self.supported(in: answer)
            if answer.code == ProtocolRevision.unsupportedVersionCode, !supported.isEmpty,
               !supported.contains(where: { ProtocolRevision.legacy.contains($0) || $0 == ProtocolRevision.modern }) {
                throw MCPClientError(.unavailable, "MCP server \"\(name)\" speaks only protocol \(supported.joined(separator: ", ")); "
                    + "Switchboard speaks \(ProtocolRevision.all.joined(separator: ", "))")
            }
            return .legacy
        } catch let error as MCPClientError where error.kind == .timeout {
            return .legacy
        }
    }

    private func initialize() async throws -> Era {
        let params: JSONObject = ["protocolVersion": .string(ProtocolRevision.newestLegacy), "capabilities": [:],
                                  "clientInfo": session.clientInfoValue]
        let result = try await session.request("initialize", params)
        guard let version = result["protocolVersion"]?.stringValue else {
            throw MCPClientError(.protocolViolation, "MCP server \"\(name)\" answered initialize without a protocolVersion")
        }
        guard ProtocolRevision.legacy.contains(version) else {
            throw MCPClientError(.unavailable, "MCP server \"\(name)\" answered initialize with protocol version \(version), "
                + "which Switchboard does not speak (it speaks \(ProtocolRevision.all.joined(separator: ", ")))")
        }
        return .legacy(version)
    }

    private static func supported(in answer: ErrorAnswer) -> [String] {
        answer.data?["supported"]?.arrayValue?.compactMap(\.stringValue) ?? []
    }
}
