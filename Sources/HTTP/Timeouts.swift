/// How long one HTTP exchange may take, and which silences end it.
public struct Timeouts: Sendable, Equatable {
    /// The whole exchange, from sending the request to the last byte of the body.
    public var request: Double
    /// The longest wait for the first byte of the response (its status line); nil: only `request`
    /// applies. Streams set it; a non-streamed answer may legitimately take all of `request`.
    public var firstByte: Double?
    /// The longest silence once the response has started; nil for calls where the server may think
    /// between bytes (non-streamed bodies). Time during which the reader holds the transfer paused
    /// (it is not reading) does not count.
    public var idle: Double?

    public init(request: Double, firstByte: Double? = nil, idle: Double? = nil) {
        self.request = request
        self.firstByte = firstByte
        self.idle = idle
    }

    /// Which limit ended an exchange.
    public enum Kind: String, Sendable {
        case request
        case firstByte = "first_byte"
        case idle
    }
}
