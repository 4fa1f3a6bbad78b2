import Primitives
import JSONRPC
import Transport

/// Gathers the responses to one batch and sends them as one array once every member is done.
final class BatchCollector: Sendable {
    private let slots: Locked<(remaining: Int, responses: [JSONValue?])>
    private let send: @Sendable (JSONValue) -> Void

    init(count: Int, send: @escaping @Sendable (JSONValue) -> Void) {
        slots = Locked((count, Array(repeating: nil, count: count)))
        self.send = send
    }

    /// Member `index` is done; `response` is nil for notifications, which get no response.
    func deliver(_ response: JSONValue?, at index: Int) {
        let complete = slots.withLock { slots -> [JSONValue]? in
            slots.responses[index] = response
            slots.remaining -= 1
            return slots.remaining == 0 ? slots.responses.compactMap { $0 } : nil
        }
        if let complete, !complete.isEmpty { send(.array(complete)) }
    }
}
