import CCurl
import Primitives
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The one thread that drives every transfer: a libcurl multi handle, waited on with
/// `curl_multi_poll`, which sleeps until a socket is ready, one of libcurl's timers or one of our
/// time limits is due, or another thread posts a command. Nothing runs while nothing arrives.
///
/// Other threads never touch libcurl: they post commands (add, cancel, resume, discard), which
/// the loop applies between waits. So cancelling never blocks, whatever the loop is doing.
///
/// `@unchecked Sendable` is safe: `inbox` is behind a lock, `multi` is only used by the loop's
/// thread (and by `curl_multi_wakeup`, which libcurl allows from any thread), and `transfers` is
/// only touched by the loop's thread.
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
    private let inbox = Guarded<[Command]>([])
    /// The transfers libcurl is driving, by easy handle.
    private var transfers: [OpaquePointer: Transfer] = [:]

    private init(multi: OpaquePointer) {
        self.multi = multi
    }

    /// Loads libcurl and starts the loop's thread.
    static func start() throws(HTTPError) -> EventLoop {
        var error = [CChar](repeating: 0, count: 512)
        guard sb_curl_load(&error, error.count) == 0 else {
            throw .unavailable(String(decoding: error.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        guard let multi = sb_curl_multi_init() else { throw .unavailable("curl_multi_init failed") }
        sb_curl_multi_setopt_long(multi, SB_CURLMOPT_PIPELINING, Int(SB_CURLPIPE_MULTIPLEX))
        let loop = EventLoop(multi: multi)
        guard DetachedThread.start({ loop.run() }) else { throw .unavailable("cannot start the HTTP thread") }
        return loop
    }

    /// Queues a command for the loop and wakes it.
    func post(_ command: Command) {
        inbox.withLock { $0.append(command) }
        sb_curl_multi_wakeup(multi)
    }

    private func run() -> Never {
        while true {
            for command in inbox.withLock({ commands in defer { commands.removeAll() }; return commands }) {
                apply(command)
            }
            var running: Int32 = 0
            sb_curl_multi_perform(multi, &running)
            var easy: OpaquePointer?
            var code: Int32 = 0
            while sb_curl_multi_next_done(multi, &easy, &code) == 1 {
                guard let easy, let transfer = transfers[easy] else { continue }
                transfer.completed(code: code)
                remove(transfer)
            }
            sb_curl_multi_poll(multi, expireAndMeasureWait())
        }
    }

    private func apply(_ command: Command) {
        switch command {
        case .add(let transfer):
            guard let easy = transfer.state.easy else { return }
            transfer.state.started = .now
            transfer.state.lastActivity = .now
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
    private func expireAndMeasureWait() -> Int32 {
        let now = ContinuousClock.now
        var wait = Duration.milliseconds(Self.maxWaitMilliseconds)
        for transfer in Array(transfers.values) {
            let (at, kind) = transfer.deadline()
            if at <= now {
                transfer.expire(kind)
                remove(transfer)
            } else {
                wait = min(wait, at - now)
            }
        }
        let (seconds, attoseconds) = wait.components
        return Int32(seconds * 1000 + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000)
    }
}
