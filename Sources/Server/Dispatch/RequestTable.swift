import Primitives
import JSONRPC
import Transport

/// Why a request was stopped before it finished.
public enum CancelReason: String, Sendable {
    /// The client sent `$/cancelRequest`.
    case cancelled
    /// The daemon received SIGINT or SIGTERM.
    case signal
    /// The client closed its end of stdout: no answer can reach it.
    case clientGone = "client_gone"
}

/// The requests in flight, by id, so `$/cancelRequest` and signals can reach them.
final class RequestTable: Sendable {
    private struct Entry {
        var task: Task<Void, Never>?
        var reason: CancelReason?
    }

    private let entries = Locked<[RequestID: Entry]>([:])

    /// Reserves `id`; false when a request with that id is still in flight.
    func reserve(_ id: RequestID) -> Bool {
        entries.withLock { entries in
            guard entries[id] == nil else { return false }
            entries[id] = Entry()
            return true
        }
    }

    /// Attaches the running task; cancels it at once if a cancel arrived first.
    func attach(_ task: Task<Void, Never>, to id: RequestID) {
        let cancelNow = entries.withLock { entries -> Bool in
            entries[id]?.task = task
            return entries[id]?.reason != nil
        }
        if cancelNow { task.cancel() }
    }

    /// Marks `id` cancelled and cancels its task; false when no such request is in flight.
    @discardableResult
    func cancel(_ id: RequestID, reason: CancelReason) -> Bool {
        let task = entries.withLock { entries -> Task<Void, Never>?? in
            guard entries[id] != nil else { return nil }
            if entries[id]?.reason == nil { entries[id]?.reason = reason }
            return .some(entries[id]?.task)
        }
        guard let task else { return false }
        task?.cancel()
        return true
    }

    func cancelAll(reason: CancelReason) {
        let ids = entries.withLock { Array($0.keys) }
        for id in ids { cancel(id, reason: reason) }
    }

    func contains(_ id: RequestID) -> Bool {
        entries.withLock { $0[id] != nil }
    }

    /// Why `id` was cancelled, if it was.
    func reason(_ id: RequestID) -> CancelReason? {
        entries.withLock { $0[id]?.reason }
    }

    /// Forgets `id`; returns how many requests remain in flight.
    func remove(_ id: RequestID) -> Int {
        entries.withLock { entries in
            entries[id] = nil
            return entries.count
        }
    }

    var count: Int { entries.withLock { $0.count } }
}
