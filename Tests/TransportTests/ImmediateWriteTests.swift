import Primitives
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `FileIO.writeWithoutWaiting`, which the writer's senders use for a message that comes alone.
@Suite("writes that never wait")
struct ImmediateWriteTests {
    /// On a full pipe (whose descriptor stays blocking) the write returns at once having written
    /// nothing; once the reader made room it writes the whole message.
    @Test func aFullPipeTakesNothingAndDoesNotWait() throws {
        var fds: [Int32] = [0, 0]
        try #require(pipe(&fds) == 0)
        defer { close(fds[0]); close(fds[1]) }
        let message = [UInt8](repeating: UInt8(ascii: "m"), count: 512)
        var filled = 0
        var outcome = FileIO.ImmediateWrite.wrote(0)
        while true {
            outcome = message.withUnsafeBytes { FileIO.writeWithoutWaiting(fds[1], $0) }
            guard case .wrote(let count) = outcome, count > 0 else { break }
            filled += count
        }
        #expect(outcome == .wouldBlock)
        #expect(filled >= 4096)
        #expect(fcntl(fds[1], F_GETFL) & O_NONBLOCK == 0, "the descriptor's flags were changed")
        var drained = [UInt8](repeating: 0, count: 8192)
        _ = drained.withUnsafeMutableBytes { read(fds[0], $0.baseAddress, $0.count) }
        #expect(message.withUnsafeBytes { FileIO.writeWithoutWaiting(fds[1], $0) } == .wrote(message.count))
    }

    /// A reader that has gone makes the write fail (EPIPE; SIGPIPE is ignored as the daemon does).
    @Test func aDepartedReaderFailsTheWrite() throws {
        signal(SIGPIPE, SIG_IGN)
        var fds: [Int32] = [0, 0]
        try #require(pipe(&fds) == 0)
        close(fds[0])
        defer { close(fds[1]) }
        #expect(Array("x".utf8).withUnsafeBytes { FileIO.writeWithoutWaiting(fds[1], $0) } == .failed)
    }
}
