/// A value that arrives once (a reply, a started server), awaited by any number of tasks.
///
/// A waiting task that is cancelled stops waiting at once with `CancellationError`; the value
/// still reaches the other waiters. The first `resolve` wins; later ones are ignored.
public final class OneShot<Value: Sendable>: Sendable {
    private struct State {
        var outcome: Result<Value, any Error>?
        var waiters: [Int: CheckedContinuation<Value, any Error>] = [:]
        var nextWaiter = 0
    }

    private let state = Locked(State())

    public init() {}

    /// Settles the value; returns false when it was already settled.
    @discardableResult
    public func resolve(_ outcome: Result<Value, any Error>) -> Bool {
        let waiters: [CheckedContinuation<Value, any Error>]? = state.withLock { state in
            guard state.outcome == nil else { return nil }
            state.outcome = outcome
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        guard let waiters else { return false }
        for waiter in waiters { waiter.resume(with: outcome) }
        return true
    }

    /// The value once it is settled (at once when it already is).
    public func value() async throws -> Value {
        let key = state.withLock { state in
            defer { state.nextWaiter += 1 }
            return state.nextWaiter
        }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Value, any Error>) in
                let settled: Result<Value, any Error>? = state.withLock { state in
                    if let outcome = state.outcome { return outcome }
                    if Task.isCancelled { return .failure(CancellationError()) }
                    state.waiters[key] = continuation
                    return nil
                }
                if let settled { continuation.resume(with: settled) }
            }
        } onCancel: {
            state.withLock { $0.waiters.removeValue(forKey: key) }?.resume(throwing: CancellationError())
        }
    }

    /// The value once it is settled, waiting at most `seconds`: nil when it is not settled by then,
    /// settled with an error, or the calling task is cancelled.
    public func value(within seconds: Double) async -> Value? {
        if let settled = settledValue { return settled }
        return await withTaskGroup(of: Value?.self) { group in
            group.addTask { try? await self.value() }
            group.addTask {
                try? await Task.sleep(for: .seconds(seconds))
                return nil
            }
            defer { group.cancelAll() }
            return await group.next() ?? nil
        }
    }

    /// The value if it is settled and a success.
    public var settledValue: Value? {
        state.withLock { state in
            if case .success(let value)? = state.outcome { value } else { nil }
        }
    }
}
