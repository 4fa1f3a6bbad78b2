import Primitives
import Dispatch
import JSONRPC
import Transport

/// The `tools/call` requests in flight, by id, so that `notifications/cancelled`, the end of
/// input and signals can reach them; and the exit code once the end is decided.
final class CallTable: Sendable {
    /// Why a call stopped early.
    enum Stop: Sendable {
        /// `notifications/cancelled`, or the end of input: nothing more is sent for the call.
        case silently
        /// SIGINT or SIGTERM: the call is answered with an error result.
        case signal
    }

    private struct Entry {
        var task: Task<Void, Never>?
        var stop: Stop?
    }

    private struct State {
        var entries: [RequestID: Entry] = [:]
        var inputEnded = false
        /// A signal arrived: the exit code is 128 + its number, whatever ends first.
        var signalled = false
        var exitCode: Int32?
    }

    private let state = Locked(State())
    private let decided = DispatchSemaphore(value: 0)

    var count: Int { state.withLock { $0.entries.count } }

    /// Reserves `id`; false when a request with that id is in flight.
    func reserve(_ id: RequestID) -> Bool {
        state.withLock { state in
            guard state.entries[id] == nil else { return false }
            state.entries[id] = Entry()
            return true
        }
    }

    /// Attaches the running task; cancels it at once if a stop came first.
    func attach(_ task: Task<Void, Never>, to id: RequestID) {
        let stopped = state.withLock { state -> Bool in
            state.entries[id]?.task = task
            return state.entries[id]?.stop != nil
        }
        if stopped { task.cancel() }
    }

    /// Stops call `id` (unknown or finished ids are ignored, as MCP asks).
    func stop(_ id: RequestID, _ stop: Stop) {
        let task = state.withLock { state -> Task<Void, Never>? in
            guard state.entries[id] != nil else { return nil }
            if state.entries[id]?.stop == nil { state.entries[id]?.stop = stop }
            return state.entries[id]?.task
        }
        task?.cancel()
    }

    func stopAll(_ stop: Stop) {
        if stop == .signal { state.withLock { $0.signalled = true } }
        for id in state.withLock({ Array($0.entries.keys) }) { self.stop(id, stop) }
    }

    /// How call `id` was stopped, if it was.
    func stopped(_ id: RequestID) -> Stop? {
        state.withLock { $0.entries[id]?.stop }
    }

    /// Call `id` is done (its response, if any, queued). Exits 0 when input has ended and it was the last.
    func finish(_ id: RequestID) {
        let last = state.withLock { state -> Bool in
            state.entries[id] = nil
            return state.inputEnded && state.entries.isEmpty && !state.signalled
        }
        if last { decide(0) }
    }

    /// stdin ended: stop every call (the client is gone) and exit 0 once they have ended.
    func endOfInput() {
        let idle = state.withLock { state -> Bool in
            state.inputEnded = true
            return state.entries.isEmpty && !state.signalled
        }
        if idle { decide(0) } else { stopAll(.silently) }
    }

    /// Decides the exit code; the first decision wins.
    func decide(_ code: Int32) {
        let first = state.withLock { state -> Bool in
            guard state.exitCode == nil else { return false }
            state.exitCode = code
            return true
        }
        if first { decided.signal() }
    }

    /// Blocks until the exit code is decided.
    func waitForExit() -> Int32 {
        decided.wait()
        return state.withLock { $0.exitCode ?? 0 }
    }
}
