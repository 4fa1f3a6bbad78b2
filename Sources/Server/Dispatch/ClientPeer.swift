import Primitives
public import JSONRPC

/// The requests the daemon sends its client (`tool.approve`, `tool.execute`) and the answers
/// that come back: ids of the daemon's own (`"sb-1"`, `"sb-2"`, …, never a client's), a table of
/// the requests awaiting an answer, and what happens when none can come.
///
/// A caller suspends until the answer arrives. Cancelling its task withdraws the request: it
/// leaves the table, the client gets `$/cancelRequest` (or the front end's own) for it, and a late answer is ignored.
/// When the client's input ends, every waiting request fails (no answer can arrive any more).
public final class ClientPeer: Sendable {
    private typealias Waiter = CheckedContinuation<JSONValue, any Error>

    private struct State {
        var next = 1
        var waiting: [String: Waiter] = [:]
        /// Ids whose task was cancelled before its continuation was recorded.
        var withdrawn: Set<String> = []
        var inputEnded = false
    }

    private let send: @Sendable (JSONValue) -> Void
    private let cancelMethod: String
    private let cancelIDKey: String
    private let state = Locked(State())

    /// - Parameter send: queues a message for the client (the writer: in order with the
    ///   notifications queued before it).
    /// - Parameter cancelMethod: the notification that withdraws a request, and the member of its
    ///   params that names the request: `$/cancelRequest` `{id}`, ACP's `$/cancel_request` `{requestId}`.
    public init(cancelMethod: (name: String, idKey: String) = ("$/cancelRequest", "id"), send: @escaping @Sendable (JSONValue) -> Void) {
        self.send = send
        self.cancelMethod = cancelMethod.name
        cancelIDKey = cancelMethod.idKey
    }

    /// Sends request `method` and returns the client's result.
    /// - Throws: the client's error as a `ResponseError` (code and message as it sent them),
    ///   `CancellationError` when the calling task is cancelled, or a `ResponseError` saying the
    ///   client's input ended.
    public func request(_ method: String, _ params: JSONValue) async throws -> JSONValue {
        let id: String = state.withLock { state in
            defer { state.next += 1 }
            return "sb-\(state.next)"
        }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (waiter: Waiter) in
                let refusal: (any Error)? = state.withLock { state in
                    if state.withdrawn.remove(id) != nil { return CancellationError() }
                    if state.inputEnded { return Self.inputEnded }
                    state.waiting[id] = waiter
                    return nil
                }
                if let refusal { return waiter.resume(throwing: refusal) }
                send(.object(JSONObject([("jsonrpc", "2.0"), ("id", .string(id)), ("method", .string(method)), ("params", params)])))
            }
        } onCancel: {
            let waiter: Waiter? = state.withLock { state in
                guard let waiter = state.waiting.removeValue(forKey: id) else {
                    state.withdrawn.insert(id)
                    return nil
                }
                return waiter
            }
            guard let waiter else { return }
            send(OutgoingMessage.notification(cancelMethod, .object(JSONObject([(cancelIDKey, .string(id))]))))
            waiter.resume(throwing: CancellationError())
        }
    }

    /// Hands a response from the client to the request it answers.
    /// - Returns: false when no request with that id is waiting (unknown, answered, withdrawn).
    @discardableResult
    public func resolve(id: RequestID?, result: JSONValue?, error: JSONValue?) -> Bool {
        guard case .string(let key)? = id else { return false }
        guard let waiter = state.withLock({ $0.waiting.removeValue(forKey: key) }) else { return false }
        if let error {
            waiter.resume(throwing: Self.clientError(error))
        } else {
            waiter.resume(returning: result ?? .null)
        }
        return true
    }

    /// The client's input ended: fails every waiting request, and any sent later, at once.
    public func inputEnded() {
        let waiters = state.withLock { state in
            state.inputEnded = true
            defer { state.waiting = [:] }
            return Array(state.waiting.values)
        }
        for waiter in waiters { waiter.resume(throwing: Self.inputEnded) }
    }

    /// How many requests await an answer.
    public var waitingCount: Int { state.withLock { $0.waiting.count } }

    private static let inputEnded = ResponseError(.internalError, "the client's input ended before it answered")

    /// A client's error object as a `ResponseError`; one that is not `{code, message}` is -32603
    /// quoting nothing of it.
    private static func clientError(_ error: JSONValue) -> ResponseError {
        guard let code = error["code"]?.intValue, let message = error["message"]?.stringValue else {
            return ResponseError(.internalError, "the client answered with an error that is not {code, message}")
        }
        return ResponseError(ErrorCode(rawValue: code), message, data: error["data"])
    }
}
