/// How messages are delimited on a byte stream.
public enum Framing: String, Sendable, CaseIterable {
    /// One JSON text per line.
    case ndjson
    /// `Content-Length: N` headers, a blank line, then N bytes (as LSP).
    case lsp

    /// Wraps one serialized message for this framing.
    public func frame(_ payload: [UInt8], into out: inout [UInt8]) {
        switch self {
        case .ndjson:
            out.append(contentsOf: payload)
            out.append(0x0A)
        case .lsp:
            out.append(contentsOf: "Content-Length: \(payload.count)\r\n\r\n".utf8)
            out.append(contentsOf: payload)
        }
    }
}

/// What the frame parser found in the byte stream.
public enum FrameEvent: Sendable, Equatable {
    /// One complete message's bytes, with the framing it arrived in.
    case message([UInt8], Framing)
    /// A message larger than the limit, skipped without being held in memory.
    case oversized(Framing)
    /// An LSP header block that cannot be used (no or bad Content-Length, too long, truncated).
    case malformed(Framing, String)
}
