/// A small executor of its own for blocking file work — reading files to inline (up to
/// `max_file_bytes` each), building multipart upload bodies, `fsync` — so that it never holds a
/// thread of the cooperative pool (two on a two-core machine: two large files would stall every
/// request) or the HTTP engine's thread.
///
/// ```swift
/// let inlined = try await BlockingIO.run { try ContentInliner.inline(messages, budget: &budget) }
/// ```
///
/// Two threads (`sb-io-1`, `sb-io-2`), started on first use; jobs run in the order they came.
public final class BlockingIO: TaskExecutor, Sendable {
    /// The executor every part of the daemon shares.
    public static let shared = BlockingIO(threads: 2)

    private struct State {
        var jobs: [UnownedJob] = []
        var started = false
    }

    private let threads: Int
    private let condition = Condition()
    /// Guarded by `condition`.
    private nonisolated(unsafe) var state = State()

    init(threads: Int) {
        self.threads = threads
    }

    /// Runs `body` on the I/O threads and returns its result to the calling task, which is
    /// suspended meanwhile (no thread of the caller's waits).
    public static func run<T, Failure: Error>(_ body: () throws(Failure) -> T) async throws(Failure) -> T {
        try await withTaskExecutorPreference(shared) { () async throws(Failure) -> T in try body() }
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let unowned = UnownedJob(job)
        condition.lock()
        defer { condition.unlock() }
        state.jobs.append(unowned)
        if !state.started {
            state.started = true
            for index in 1...threads {
                DetachedThread.start(name: "sb-io-\(index)", stackSize: 8 << 20) { [self] in work() }
            }
        }
        condition.broadcast()
    }

    private func work() -> Never {
        let executor = asUnownedTaskExecutor()
        while true {
            condition.lock()
            while state.jobs.isEmpty { condition.wait() }
            let job = state.jobs.removeFirst()
            condition.unlock()
            job.runSynchronously(on: executor)
        }
    }
}
