import Primitives

/// The jobs of tasks that run on the event loop's thread, which makes the loop a `TaskExecutor`.
///
/// A task that prefers the loop (`withTaskExecutorPreference`) and waits for a body's next piece
/// is resumed by libcurl's write callback, on the loop's thread: its job is queued here with no
/// wake-up and run as soon as libcurl returns, before the loop waits again. Jobs queued from other
/// threads (a task entering the preference, a cancellation) wake the loop.
///
/// What runs here must not block: it holds up every transfer. A reader that must wait for its
/// client suspends (see `OutputWriter.waitForRoom`), which frees the loop at once.
final class LoopJobs: Sendable {
    private struct State {
        var queue: [UnownedJob] = []
        var thread: pthread_t?

        func isLoop(_ thread: pthread_t) -> Bool {
            self.thread.map { pthread_equal($0, thread) != 0 } ?? false
        }
    }

    private let state = Guarded(State())

    /// Called by the loop's thread before it runs anything.
    func adoptCurrentThread() {
        state.withLock { $0.thread = pthread_self() }
    }

    /// Whether the caller is the loop's thread.
    var isLoopThread: Bool {
        let current = pthread_self()
        return state.withLock { $0.isLoop(current) }
    }

    /// Queues `job`; returns true when the loop must be woken to run it (queued by another thread).
    func append(_ job: UnownedJob) -> Bool {
        let current = pthread_self()
        return state.withLock { state in
            state.queue.append(job)
            return !state.isLoop(current)
        }
    }

    var hasQueued: Bool { state.withLock { !$0.queue.isEmpty } }

    /// Runs the jobs queued so far; those they queue run on the loop's next turn.
    func runQueued(on loop: EventLoop) {
        var batch: [UnownedJob] = []
        state.withLock { swap(&batch, &$0.queue) }
        guard !batch.isEmpty else { return }
        let executor = loop.asUnownedTaskExecutor()
        for job in batch { job.runSynchronously(on: executor) }
    }
}

extension EventLoop: TaskExecutor {
    func enqueue(_ job: consuming ExecutorJob) {
        if jobs.append(UnownedJob(job)) { wake() }
    }
}
