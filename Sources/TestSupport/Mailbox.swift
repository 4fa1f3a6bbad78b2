import Foundation

/// A thread-safe FIFO with blocking, time-limited takes, used to hand bytes and messages from
/// reader threads to tests.
///
/// `@unchecked Sendable` is safe: `items` is only touched with `condition` locked.
public final class Mailbox<Item>: @unchecked Sendable {
    private let condition = NSCondition()
    private var items: [Item] = []
    private var head = 0

    public init() {}

    public func post(_ item: Item) {
        condition.lock()
        items.append(item)
        condition.broadcast()
        condition.unlock()
    }

    public func post(contentsOf newItems: some Sequence<Item>) {
        condition.lock()
        items.append(contentsOf: newItems)
        condition.broadcast()
        condition.unlock()
    }

    /// Removes and returns the oldest item, waiting up to `timeout` seconds for one.
    public func take(timeout: Double) -> Item? {
        let deadline = Date().addingTimeInterval(timeout)
        condition.lock()
        defer { condition.unlock() }
        while head >= items.count {
            if !condition.wait(until: deadline) { return nil }
        }
        defer { head += 1 }
        return items[head]
    }

    /// Removes and returns the oldest item, suspending (never blocking a thread) up to `timeout`
    /// seconds for one. Tests running on the shared cooperative pool wait with this: a blocked
    /// pool thread can starve the very work a test waits for.
    public func next(within timeout: Double) async -> Item? {
        let deadline = ContinuousClock.now + .seconds(timeout)
        while true {
            if let item = take(timeout: 0) { return item }
            if ContinuousClock.now >= deadline { return nil }
            try? await Task.sleep(for: .milliseconds(2))
        }
    }

    /// The oldest item without removing it.
    public func peek() -> Item? {
        condition.lock()
        defer { condition.unlock() }
        return head < items.count ? items[head] : nil
    }

    /// Items not yet taken.
    public var count: Int {
        condition.lock()
        defer { condition.unlock() }
        return items.count - head
    }

    /// Every item ever posted, taken or not.
    public func snapshot() -> [Item] {
        condition.lock()
        defer { condition.unlock() }
        return items
    }
}
