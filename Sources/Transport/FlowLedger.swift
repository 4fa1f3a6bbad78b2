/// The output queue's books: how many bytes wait unwritten in all, and how many of them belong
/// to each request that asked for flow control (an `OutputAccount`).
///
/// Bytes leave the queue in the order they entered it, so the ledger keeps one mark per
/// accounted message (where its bytes end in the stream of everything queued); when the writer
/// reports bytes written, the marks they cover are settled and their requests' balances fall.
/// A pure value: the writer keeps it under its lock, and the tests drive it directly.
struct FlowLedger {
    private struct Mark {
        let end: UInt64
        let account: Int
        let size: Int
    }

    /// Bytes ever queued, and ever written (or dropped): their difference is what waits.
    private(set) var enqueuedBytes: UInt64 = 0
    private(set) var writtenBytes: UInt64 = 0
    private var marks: [Mark] = []
    /// The first mark not yet settled (marks before it are dropped in bulk, not one by one).
    private var firstMark = 0
    private var balances: [Int: Int] = [:]

    /// Marks kept (settled ones included until they are dropped in bulk).
    var markCount: Int { marks.count - firstMark }

    /// Bytes queued and not yet written.
    var queued: Int { Int(enqueuedBytes - writtenBytes) }

    /// Unwritten bytes of `account`.
    func balance(of account: Int) -> Int { balances[account] ?? 0 }

    /// Records `size` bytes queued, for `account` when given.
    mutating func enqueue(_ size: Int, account: Int?) {
        enqueuedBytes += UInt64(size)
        guard let account else { return }
        marks.append(Mark(end: enqueuedBytes, account: account, size: size))
        balances[account, default: 0] += size
    }

    /// Records `size` bytes written from the front of the queue.
    mutating func wrote(_ size: Int) {
        writtenBytes += UInt64(size)
        while firstMark < marks.count, marks[firstMark].end <= writtenBytes {
            let mark = marks[firstMark]
            let left = (balances[mark.account] ?? 0) - mark.size
            balances[mark.account] = left > 0 ? left : nil
            firstMark += 1
        }
        if firstMark == marks.count {
            let small = marks.capacity <= 1024
            marks.removeAll(keepingCapacity: small)
            firstMark = 0
        } else if firstMark > 4096 && firstMark * 2 > marks.count {
            marks.removeFirst(firstMark)
            firstMark = 0
        }
    }

    /// Everything queued is gone (the client left): every balance is settled.
    mutating func dropAll() {
        writtenBytes = enqueuedBytes
        marks = []
        firstMark = 0
        balances = [:]
    }

    /// Whether `account` may produce now. A producer that had to wait (`waited`) resumes only
    /// below the low marks, so that it then produces a good run before waiting again.
    func hasRoom(for account: Int, waited: Bool, limits: OutputLimits) -> Bool {
        if waited {
            return balance(of: account) <= limits.requestLow && queued <= limits.totalLow
        }
        return balance(of: account) < limits.requestHigh && queued < limits.totalHigh
    }
}
