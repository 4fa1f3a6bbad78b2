import CCurl
import Primitives

/// The one thread that drives every transfer: a libcurl multi handle driven by its sockets (see
/// `sb_curl_driver` in CCurl), which sleeps until a socket is ready, libcurl's timer or one of our
/// time limits is due, or another thread posts a command, and then runs only the transfers that
/// have something to do. Nothing runs while nothing arrives.
///
/// Other threads never touch libcurl: they post commands (add, cancel, resume, discard), which
/// the loop applies between waits. So cancelling never blocks, whatever the loop is doing.
///
/// The loop is also a task executor (see `LoopJobs`): a reader that prefers it takes each piece of
/// a body on this thread, right after libcurl delivered it, so a stream trickling in wakes one
/// thread per piece instead of three (the loop, a worker of the global executor, the writer).
/// A reader that waits with a piece consumer (`Transfer.consume`) is not even resumed: the
/// consumer runs in libcurl's write callback.
///
/// `@unchecked Sendable` is safe: `inbox` and `jobs` are behind locks, `multi` and `driver` are
/// only used by the loop's thread (but for `sb_curl_driver_wake`, which any thread may call), and
/// `transfers` is only touched by the loop's thread.
final class EventLoop: @unchecked Sendable {
    enum Command {
        case add(Transfer)
        case cancel(Transfer)
        case resume(Transfer)
        case discard(Transfer)
    }

    /// The longest single wait when no time limit is nearer.
    private static let maxWaitMilliseconds: Int32 = 600_000

    private let multi: OpaquePointer
    private let driver: OpaquePointer
    private let inbox = Guarded<[Command]>([])
    /// Jobs of tasks that prefer this loop as their executor.
    let jobs: LoopJobs
    /// The transfers libcurl is driving, by easy handle.
    private var transfers: [OpaquePointer: Transfer] = [:]
    /// No transfer's time limit runs out before this (the earliest deadline the last look at
    /// every transfer found): until then the loop does not look at them again. Activity only
    /// moves a deadline later; what can move one earlier calls `deadlineMayBeEarlier`.
    private var nextDeadline = ContinuousClock.now

    private init(multi: OpaquePointer, driver: OpaquePointer, jobs: LoopJobs) {
        self.multi = multi
        self.driver = driver
        self.jobs = jobs
    }

    /// Loads libcurl and starts the loop's thread.
    static func start() throws(HTTPError) -> EventLoop {
        var error = [CChar](repeating: 0, count: 512)
        guard sb_curl_load(&error, error.count) == 0 else {
            throw .unavailable(String(decoding: error.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        guard let multi = sb_curl_multi_init() else { throw .unavailable("curl_multi_init failed") }
        sb_curl_multi_setopt_long(multi, SB_CURLMOPT_PIPELINING, Int(SB_CURLPIPE_MULTIPLEX))
        guard let driver = sb_curl_driver_new(multi) else { throw .unavailable("cannot set up the HTTP loop (out of file descriptors?)") }
        let loop = EventLoop(multi: multi, driver: driver, jobs: LoopJobs())
        // The stack of a thread that also runs tasks' jobs: as large as a worker thread's.
        guard DetachedThread.start(name: "sb-http", stackSize: 8 << 20, { loop.run() }) else { throw .unavailable("cannot start the HTTP thread") }
        return loop
    }

    /// Queues a command for the loop and wakes it (unless the loop itself posts it: it looks at
    /// its commands again before it waits).
    func post(_ command: Command) {
        inbox.withLock { $0.append(command) }
        if !jobs.isLoopThread { wake() }
    }

    /// Interrupts the loop's wait.
    func wake() {
        sb_curl_driver_wake(driver)
    }

    private func run() -> Never {
        jobs.adoptCurrentThread()
        while true {
            for command in inbox.withLock({ commands in defer { commands.removeAll() }; return commands }) {
                apply(command)
            }
            jobs.runQueued(on: self)
            let wait = expireAndMeasureWait()
            let busy = jobs.hasQueued || inbox.withLock { !$0.isEmpty }
            sb_curl_driver_wait(driver, busy ? 0 : wait)
            var easy: OpaquePointer?
            var code: Int32 = 0
            while sb_curl_multi_next_done(multi, &easy, &code) == 1 {
                guard let easy, let transfer = transfers[easy] else { continue }
                transfer.completed(code: code)
                remove(transfer)
            }
        }
    }

    /// A transfer's deadline may now be earlier than the one the loop keeps (the transfer is new,
    /// its head began, it resumed or started discarding): the loop looks at every deadline on
    /// its next turn. Loop thread only.
    func deadlineMayBeEarlier() {
        nextDeadline = .now
    }

    private func apply(_ command: Command) {
        switch command {
        case .add(let transfer):
            guard let easy = transfer.state.easy else { return }
            transfer.state.started = .now
            transfer.state.lastActivity = .now
            deadlineMayBeEarlier()
            let code = sb_curl_multi_add_handle(multi, easy)
            guard code == 0 else {
                return transfer.fail(HTTPError.transport("curl_multi_add_handle: \(String(cString: sb_curl_multi_strerror(code)))",
                                                         afterHead: false))
            }
            transfers[easy] = transfer
        case .cancel(let transfer):
            remove(transfer)
        case .resume(let transfer):
            if isActive(transfer) { transfer.resume() }
        case .discard(let transfer):
            if isActive(transfer) { transfer.startDiscarding() }
        }
    }

    private func isActive(_ transfer: Transfer) -> Bool {
        transfer.state.easy.map { transfers[$0] === transfer } ?? false
    }

    private func remove(_ transfer: Transfer) {
        guard let easy = transfer.state.easy, transfers[easy] === transfer else { return }
        sb_curl_multi_remove_handle(multi, easy)
        transfers[easy] = nil
        transfer.state.releaseHandle()
    }

    /// Ends the transfers whose time limit has passed; returns the wait until the next one.
    ///
    /// Every transfer is looked at only once `nextDeadline` is reached (or was moved up by
    /// `deadlineMayBeEarlier`): a stream's activity pushes its deadline later, so a turn of the
    /// loop per piece of a trickling stream costs one clock reading here, not a look at every
    /// transfer.
    private func expireAndMeasureWait() -> Int32 {
        let now = ContinuousClock.now
        if nextDeadline <= now {
            var earliest = now + .milliseconds(Self.maxWaitMilliseconds)
            var expired: [(Transfer, Timeouts.Kind?)] = []
            for transfer in transfers.values {
                let (at, kind) = transfer.deadline()
                if at <= now { expired.append((transfer, kind)) } else { earliest = min(earliest, at) }
            }
            nextDeadline = earliest
            for (transfer, kind) in expired {
                transfer.expire(kind)
                remove(transfer)
            }
        }
        let wait = nextDeadline - now
        let (seconds, attoseconds) = wait.components
        return Int32(seconds * 1000 + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000)
    }
}
