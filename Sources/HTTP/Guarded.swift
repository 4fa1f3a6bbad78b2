import Primitives

/// A value behind a pthread mutex: the engine's one lock primitive (no Foundation, and visible to
/// ThreadSanitizer, which a bare futex would not be).
///
/// `@unchecked Sendable` is safe: `value` is only touched inside `withLock`, which holds `mutex`.
final class Guarded<Value>: @unchecked Sendable {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private var value: Value

    init(_ value: Value) {
        self.value = value
        pthread_mutex_init(mutex, nil)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&value)
    }
}
