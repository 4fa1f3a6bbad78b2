import Primitives
import CCurl
import Primitives
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The event loop's half of a transfer: libcurl's callbacks, time limits and the ending.
extension Transfer {
    /// What only the loop's thread touches once the transfer was posted to it.
    struct LoopState {
        var easy: OpaquePointer?
        var headerList: OpaquePointer?
        /// The upload's file, open for the transfer's life; -1 without one.
        var bodyFile: Int32 = -1
        let errorBuffer: UnsafeMutablePointer<CChar>
        var headParser = HeadParser()
        var started = ContinuousClock.now
        var firstByte: ContinuousClock.Instant?
        var lastActivity = ContinuousClock.now
        /// libcurl holds the transfer paused (the reader's buffer is full).
        var paused = false
        /// Set when the reader discarded the body: drained until then at most.
        var discardUntil: ContinuousClock.Instant?
        var discarded = 0

        init(request: HTTPRequest) throws(HTTPError) {
            errorBuffer = .allocate(capacity: Int(SB_CURL_ERROR_SIZE))
            errorBuffer.initialize(repeating: 0, count: Int(SB_CURL_ERROR_SIZE))
            if case .file(let path, _) = request.body {
                bodyFile = open(path, O_RDONLY | O_CLOEXEC)
                if bodyFile < 0 {
                    let reason = ErrorNumber.text(errno)
                    errorBuffer.deallocate()
                    throw .invalidRequest("cannot open the body file \(path): \(reason)")
                }
            }
        }

        /// Frees the easy handle, header list and body file. The loop calls it on its own thread
        /// right after taking the handle out of its multi handle, so that every libcurl call on
        /// a handle that was driven happens on that thread; the transfer's deinit calls it for a
        /// handle that was never handed over. Idempotent.
        mutating func releaseHandle() {
            if let easy { sb_curl_easy_cleanup(easy) }
            if let headerList { sb_curl_slist_free_all(headerList) }
            if bodyFile >= 0 { close(bodyFile) }
            (easy, headerList, bodyFile) = (nil, nil, -1)
        }
    }

    /// How long a discarded body is drained for a chance to reuse its connection, and how much of it.
    static let discardTime: Duration = .seconds(1)
    static let maxDiscardBytes = 1 << 20


    // MARK: - libcurl callbacks (loop thread)

    /// Debug builds trap unless the caller is the event loop's thread, which owns `state` once the
    /// transfer was posted to it.
    func assertOnLoop(_ function: StaticString = #function) {
        assert(loop.jobs.isLoopThread, "Transfer.\(function) called off the HTTP thread")
    }

    /// Body bytes: given to a waiting reader's piece consumer, handed to a waiting reader,
    /// buffered, or refused with a pause when the buffer is full (libcurl then keeps them and
    /// offers them again after `resume`).
    func received(_ bytes: UnsafeRawBufferPointer) -> Int {
        assertOnLoop()
        state.lastActivity = .now
        enum Action {
            case buffered, pause, abort, discard, consume
            case deliver(UnsafeContinuation<Delivery, any Error>)
        }
        let action = shared.withLock { shared -> Action in
            if shared.discarding { return .discard }
            if shared.end != nil { return .abort }
            if shared.consumer != nil {
                shared.consuming = true
                return .consume
            }
            if let waiter = shared.bodyWaiter {
                shared.bodyWaiter = nil
                return .deliver(waiter)
            }
            if shared.buffer.count >= bufferLimit {
                shared.paused = true
                return .pause
            }
            shared.buffer.append(contentsOf: bytes)
            return .buffered
        }
        switch action {
        case .buffered:
            return bytes.count
        case .deliver(let waiter):
            waiter.resume(returning: .piece(Data(bytes)))
            return bytes.count
        case .consume:
            consumed(bytes)
            return bytes.count
        case .pause:
            state.paused = true
            return Int(SB_CURL_WRITEFUNC_PAUSE)
        case .abort:
            return 0
        case .discard:
            state.discarded += bytes.count
            return state.discarded > Self.maxDiscardBytes ? 0 : bytes.count
        }
    }

    /// Gives `bytes` to the waiting reader's piece consumer; resumes the reader when the consumer
    /// stops or throws (what it says wins), or when the transfer ended meanwhile (an ending waits
    /// for the call).
    private func consumed(_ bytes: UnsafeRawBufferPointer) {
        let verdict = callConsumer(bytes)
        let goesOn = (try? verdict.get()) == true
        let (waiter, end) = shared.withLock { shared -> (UnsafeContinuation<Delivery, any Error>?, End?) in
            shared.consuming = false
            guard shared.end != nil || !goesOn else { return (nil, nil) }
            defer {
                shared.bodyWaiter = nil
                shared.consumer = nil
            }
            return (shared.bodyWaiter, shared.end)
        }
        guard let waiter else { return }
        switch (verdict, end) {
        case (.failure(let error), _): waiter.resume(throwing: error)
        case (.success(false), _): waiter.resume(returning: .consumed)
        case (.success(true), .failed(let error)?): waiter.resume(throwing: error)
        case (.success(true), _): waiter.resume(returning: .end)
        }
    }

    /// Calls the consumer, which is let go of before this returns (so that the reader, once
    /// resumed, holds the only reference to it).
    private func callConsumer(_ bytes: UnsafeRawBufferPointer) -> Result<Bool, any Error> {
        guard let consumer = shared.withLock({ $0.consumer }) else { return .success(true) }
        return Result { try consumer.call(bytes) }
    }

    /// One line of the response head (status line, field, blank line; trailers too).
    func receivedHeaderLine(_ line: UnsafeRawBufferPointer) -> Int {
        assertOnLoop()
        let now = ContinuousClock.now
        if state.firstByte == nil {
            state.firstByte = now
            loop.deadlineMayBeEarlier()  // the idle limit now applies, and may end sooner
        }
        state.lastActivity = now
        switch state.headParser.consume(line) {
        case .needMore:
            return line.count
        case .tooLarge:
            fail(HTTPError.headTooLarge(limit: HeadParser.maxBytes))
            return 0
        case .complete(let head):
            let waiter = shared.withLock { shared in
                shared.head = head
                defer { shared.headWaiter = nil }
                return shared.headWaiter
            }
            waiter?.resume(returning: head)
            return line.count
        }
    }

    /// Upload bytes from the body file.
    func readBody(into buffer: UnsafeMutableRawBufferPointer) -> Int {
        while true {
            let count = read(state.bodyFile, buffer.baseAddress, buffer.count)
            if count >= 0 { return count }
            if errno != EINTR { return Int(SB_CURL_READFUNC_ABORT) }
        }
    }

    /// Rewinds the upload (libcurl does when it must send the request again on a new connection).
    func seekBody(to offset: Int64, origin: Int32) -> Int32 {
        lseek(state.bodyFile, off_t(offset), origin) < 0 ? SB_CURL_SEEKFUNC_FAIL : SB_CURL_SEEKFUNC_OK
    }

    // MARK: - Loop events

    /// libcurl's result codes that trying again cannot mend: unsupported protocol (1), malformed
    /// URL (3), bad client certificate (58), peer certificate not verified (60), unreadable CA
    /// file (77), issuer check failed (83), pinned key mismatch (90).
    static let permanentCodes: Set<Int32> = [1, 3, 58, 60, 77, 83, 90]

    /// libcurl finished the transfer with `code`.
    func completed(code: Int32) {
        assertOnLoop()
        let error: HTTPError?
        if code == SB_CURLE_OK {
            error = state.headParser.isComplete ? nil : .transport("the server closed the connection without a response", afterHead: false)
        } else {
            let detail = String(cString: state.errorBuffer)
            let reason = detail.isEmpty ? String(cString: sb_curl_easy_strerror(code)) : detail
            if !state.headParser.isComplete, ErrorNumber.descriptorsExhausted() {
                // libcurl keeps no errno: a socket() or CA file open that failed for want of a
                // descriptor reads "Couldn't connect to server" or a certificate problem.
                error = .transport("\(reason) — \(ErrorNumber.descriptorAdvice)", afterHead: false)
            } else {
                error = Self.permanentCodes.contains(code) ? .permanent(reason) : .transport(reason, afterHead: state.headParser.isComplete)
            }
        }
        end(error)
    }

    /// Ends the transfer for the reader (a no-op when it has ended already).
    func fail(_ error: any Error) { end(error) }

    private func end(_ error: (any Error)?) {
        let waiters = shared.withLock { $0.finish(error.map { .failed($0) } ?? .finished) }
        waiters.resume(error)
    }

    /// The reader drained a full buffer: let libcurl deliver again.
    func resume() {
        assertOnLoop()
        guard state.paused, let easy = state.easy else { return }
        state.paused = false
        state.lastActivity = .now
        loop.deadlineMayBeEarlier()  // the idle limit applies again
        sb_curl_easy_pause(easy, SB_CURLPAUSE_CONT)
    }

    /// The reader discarded the body: drain it for a moment.
    func startDiscarding() {
        state.discardUntil = .now + Self.discardTime
        loop.deadlineMayBeEarlier()
        resume()
    }

    /// The moment this transfer must be looked at again, and the limit that runs out then (nil:
    /// the end of a discarded body's drain time).
    func deadline() -> (at: ContinuousClock.Instant, kind: Timeouts.Kind?) {
        if let until = state.discardUntil { return (until, nil) }
        var earliest = (at: state.started + .seconds(timeouts.request), kind: Timeouts.Kind?.some(.request))
        func consider(_ at: ContinuousClock.Instant, _ kind: Timeouts.Kind) {
            if at < earliest.at { earliest = (at, kind) }
        }
        if state.firstByte == nil {
            if let limit = timeouts.firstByte { consider(state.started + .seconds(limit), .firstByte) }
        } else if !state.paused, let limit = timeouts.idle {
            consider(state.lastActivity + .seconds(limit), .idle)
        }
        return earliest
    }

    /// A limit ran out (nil: a discarded body's drain time).
    func expire(_ kind: Timeouts.Kind?) {
        assertOnLoop()
        guard let kind else { return end(nil) }
        let seconds = switch kind {
        case .request: timeouts.request
        case .firstByte: timeouts.firstByte ?? timeouts.request
        case .idle: timeouts.idle ?? timeouts.request
        }
        end(HTTPError.timeout(kind, seconds: seconds))
    }
}
