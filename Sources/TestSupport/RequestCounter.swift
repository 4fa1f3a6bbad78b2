import Foundation

/// A thread-safe counter handing out 0, 1, 2, ... to concurrent callers.
///
/// `@unchecked Sendable`: `next` is the only stored mutable state, read and written only while
/// `lock` is held.
final class RequestCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var next = 0

    /// The next number; each one is returned exactly once.
    func take() -> Int {
        lock.lock()
        defer { lock.unlock() }
        defer { next += 1 }
        return next
    }
}
