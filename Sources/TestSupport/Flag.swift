import Foundation

/// A Boolean shared between threads.
///
/// `@unchecked Sendable` is safe: `value` is only touched with `lock` held.
final class Flag: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Bool

    init(_ value: Bool) { self.value = value }

    var isSet: Bool { lock.withLock { value } }

    func set(_ newValue: Bool) { lock.withLock { value = newValue } }
}
