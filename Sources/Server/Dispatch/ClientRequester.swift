public import JSONRPC

/// Where a method's requests to its client go (`tool.approve`, `tool.execute`): the JSON-RPC
/// client itself (`ClientPeer`), or a front end that answers them in its own protocol's terms
/// (ACP turns them into `session/request_permission` and `fs/*` requests).
public protocol ClientRequester: Sendable {
    /// Sends request `method` and returns the client's result.
    /// - Throws: the client's error as a `ResponseError`, or `CancellationError` when the calling
    ///   task is cancelled (the request is then withdrawn).
    func request(_ method: String, _ params: JSONValue) async throws -> JSONValue
}

extension ClientPeer: ClientRequester {}
