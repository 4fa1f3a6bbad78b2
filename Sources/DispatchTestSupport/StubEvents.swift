import Primitives

/// What the stub methods did, in the order they did it (thread-safe).
public final class StubEvents: Sendable {
    private let events = Locked<[String]>([])

    public init() {}

    func record(_ event: String) { events.withLock { $0.append(event) } }

    /// Everything recorded so far.
    public var all: [String] { events.current }
}
