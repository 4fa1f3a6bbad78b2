import Primitives

/// Writes messages to a server's stdin on a thread of its own, in the order they were queued, so
/// that no caller ever blocks on a full pipe (a server busy with a call reads no input).
///
/// The thread waits on a condition (no CPU while idle) and ends, closing the descriptor, at
/// `close` or when the server stops reading (EPIPE). SIGPIPE is blocked on it, so a departed
/// server gives EPIPE, not a signal that ends the daemon.
final class PipeWriter: Sendable {
    private struct State {
        var queue: [[UInt8]] = []
        var closing = false
    }

    private let descriptor: Int32
    private let condition = Condition()
    /// Guarded by `condition`.
    private nonisolated(unsafe) var state = State()

    init(descriptor: Int32, name: String) {
        self.descriptor = descriptor
        DetachedThread.start(name: "sb-mcp-w-\(name)") { [self] in run() }
    }

    /// Queues `bytes`; dropped once the writer is closed.
    func write(_ bytes: [UInt8]) {
        condition.withLock {
            guard !state.closing else { return }
            state.queue.append(bytes)
            condition.broadcast()
        }
    }

    /// Writes what is queued, then closes the descriptor (the server sees the end of its input).
    func close() {
        condition.withLock {
            state.closing = true
            condition.broadcast()
        }
    }

    private func run() {
        var blocked = sigset_t()
        sigemptyset(&blocked)
        sigaddset(&blocked, SIGPIPE)
        pthread_sigmask(SIG_BLOCK, &blocked, nil)
        while true {
            condition.lock()
            while state.queue.isEmpty && !state.closing { condition.wait() }
            let batch = state.queue
            state.queue = []
            let closing = state.closing
            condition.unlock()
            let written = batch.allSatisfy { bytes in
                bytes.withUnsafeBytes { buffer in (try? FileIO.write(descriptor, buffer)) != nil }
            }
            if !written {
                // The server stopped reading: drop the rest, and the SIGPIPE the write raised.
                condition.withLock { state.closing = true }
                var timeout = timespec()
                _ = sigtimedwait(&blocked, nil, &timeout)
                break
            }
            if closing { break }
        }
        condition.withLock { state.queue = [] }
        closeDescriptor(descriptor)
    }
}

/// `close(2)`, named apart from the `close()` methods of the types here.
func closeDescriptor(_ descriptor: Int32) {
    _ = close(descriptor)
}
