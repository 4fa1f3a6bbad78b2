public import JSONRPC

/// One JSON-RPC method: declared once, and that declaration feeds the dispatcher,
/// `capabilities.methods` and the tests. Adding a method is one new file plus one line in
/// `MethodRegistry`.
public protocol RPCMethod: Sendable {
    /// The wire name, e.g. `chat.complete`.
    static var name: String { get }
    /// How the dispatcher runs it.
    static var execution: Execution { get }
    /// Handles one call. Throw `ResponseError` for a specific error response; anything else is
    /// converted in one place (`ErrorConversion`).
    func call(_ params: Params, context: RequestContext) async throws -> JSONValue
}

/// How a method runs relative to the messages after it.
public enum Execution: Sendable {
    /// Finishes before the next message is read: configuration and lifecycle calls, so that a
    /// `config.update` applies to every request sent after it.
    case inOrder
    /// Runs concurrently with other requests, cancellable with `$/cancelRequest`.
    case concurrent
}

/// Output a method produced before it failed, carried to the error response's `data.partial`.
public struct PartialOutputError: Error {
    public let underlying: any Error
    public let partial: JSONValue?

    public init(_ underlying: any Error, partial: JSONValue?) {
        self.underlying = underlying
        self.partial = partial
    }
}
