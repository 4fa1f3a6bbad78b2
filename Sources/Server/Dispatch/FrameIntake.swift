public import JSONRPC
public import Transport

/// What every front end (the JSON-RPC server, the MCP server) does with a frame before looking at
/// its message: a frame over the size limit, a malformed frame and text that is not JSON are
/// answered here with the error JSON-RPC prescribes (id null); anything else is parsed.
public enum FrameIntake {
    /// The JSON value the frame holds, or nil once a frame that holds none has been answered.
    /// - Parameter adoptFraming: fix the output framing from this frame's (JSON-RPC mode; MCP's
    ///   output is always NDJSON). A malformed frame never sets it: garbage says nothing reliable
    ///   about the client's framing.
    public static func value(of event: FrameEvent, writer: OutputWriter, log: Log, adoptFraming: Bool) -> JSONValue? {
        switch event {
        case .message(let bytes, let framing):
            if adoptFraming { writer.adoptFraming(framing) }
            do {
                return try JSONParser.parse(bytes)
            } catch {
                writer.send(OutgoingMessage.error(id: nil, .parseError(error.description)))
                return nil
            }
        case .oversized(let framing):
            if adoptFraming { writer.adoptFraming(framing) }
            log.warn("skipped a message larger than the limit")
            writer.send(OutgoingMessage.error(id: nil, .invalidRequest("message larger than the limit (--max-message-bytes); it was skipped")))
            return nil
        case .malformed(_, let reason):
            writer.send(OutgoingMessage.error(id: nil, .parseError(reason)))
            return nil
        }
    }
}
