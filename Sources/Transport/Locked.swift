import Foundation

/// A value guarded by a lock: the one primitive the daemon's shared tables are built on.
///
/// `@unchecked Sendable` is safe because every access to `value` goes through `withLock`, which
/// holds `lock` for the duration of the access.
public final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    public init(_ value: Value) { self.value = value }

    @discardableResult
    public func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }

    /// A copy of the current value.
    public var current: Value { withLock { $0 } }
}
