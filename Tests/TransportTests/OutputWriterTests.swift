import Primitives
import Foundation
import JSONRPC
import Testing
import Transport
#if canImport(Glibc)
import Glibc
#endif

/// A pipe whose read end the test drains on a thread, standing in for the client.
final class PipeClient: Sendable {
    let writeFD: Int32
    private let readFD: Int32
    private let received = Locked<[UInt8]>([])

    init() {
        var fds: [Int32] = [0, 0]
        pipe(&fds)
        readFD = fds[0]
        writeFD = fds[1]
    }

    /// Starts reading everything written until the write end closes.
    func startReading() {
        Thread { [self] in
            var buffer = [UInt8](repeating: 0, count: 65536)
            while true {
                let count = buffer.withUnsafeMutableBytes { read(readFD, $0.baseAddress, $0.count) }
                if count <= 0 { break }
                received.withLock { $0.append(contentsOf: buffer[0..<count]) }
            }
        }.start()
    }

    var bytes: [UInt8] { received.current }

    func closeReadEnd() { close(readFD) }
    func closeWriteEnd() { close(writeFD) }

    /// Messages received so far, split with the daemon's own frame parser.
    func messages() throws -> [JSONValue] {
        var parser = FrameParser()
        parser.append(bytes)
        var result: [JSONValue] = []
        while let event = parser.next() {
            if case .message(let payload, _) = event { result.append(try JSONParser.parse(payload)) }
        }
        return result
    }
}

@Suite("single stdout writer")
struct OutputWriterTests {
    @Test func concurrentSendersNeverInterleaveAndKeepPerSenderOrder() async throws {
        let client = PipeClient()
        client.startReading()
        let writer = OutputWriter(fd: client.writeFD)
        let senders = 16, perSender = 500
        await withTaskGroup(of: Void.self) { group in
            for sender in 0..<senders {
                group.addTask {
                    for sequence in 0..<perSender {
                        writer.send(["sender": .number(sender), "sequence": .number(sequence), "pad": .string(String(repeating: "x", count: sequence % 300))])
                    }
                }
            }
        }
        writer.close()
        client.closeWriteEnd()
        try await Task.sleep(for: .milliseconds(200))
        let messages = try client.messages()
        #expect(messages.count == senders * perSender)
        for sender in 0..<senders {
            let sequences = messages.filter { $0["sender"]?.intValue == sender }.compactMap { $0["sequence"]?.intValue }
            #expect(sequences == Array(0..<perSender), "sender \(sender) in order")
        }
    }

    @Test func outputAdoptsTheFramingOfTheFirstMessageReceived() throws {
        let client = PipeClient()
        client.startReading()
        let writer = OutputWriter(fd: client.writeFD)
        writer.adoptFraming(.lsp)
        writer.adoptFraming(.ndjson)  // too late: the first one wins
        writer.send(["a": 1])
        writer.close()
        client.closeWriteEnd()
        Thread.sleep(forTimeInterval: 0.1)
        #expect(String(decoding: client.bytes, as: UTF8.self) == "Content-Length: 7\r\n\r\n{\"a\":1}")
    }

    @Test func aDepartedClientBreaksTheWriterWithoutKillingTheProcess() throws {
        signal(SIGPIPE, SIG_IGN)
        let client = PipeClient()
        client.closeReadEnd()
        let writer = OutputWriter(fd: client.writeFD)
        writer.send(["after": "the client left"])
        writer.drain()
        #expect(writer.isBroken)
        writer.send(["dropped": true])  // must not block or crash
        writer.close()
        client.closeWriteEnd()
    }

    @Test func actionsForABrokenWriterRunOnceWhenItBreaksOrAtOnceAfter() throws {
        signal(SIGPIPE, SIG_IGN)
        let client = PipeClient()
        let writer = OutputWriter(fd: client.writeFD)
        let runs = Locked(0)
        writer.whenBroken { runs.withLock { $0 += 1 } }
        writer.send(["client": "still reading"])
        writer.drain()
        #expect(runs.current == 0)
        client.closeReadEnd()
        writer.send(["after": "the client left"])
        writer.drain()
        writer.send(["and": "again"])
        writer.drain()
        // The actions run on the writing thread just after it records the failure.
        let deadline = ContinuousClock.now + .seconds(5)
        while runs.current == 0, ContinuousClock.now < deadline { usleep(1_000) }
        #expect(runs.current == 1)
        writer.whenBroken { runs.withLock { $0 += 10 } }
        #expect(runs.current == 11)
        writer.close()
        client.closeWriteEnd()
    }

    /// Spaced messages are written by their senders, bursts by the writer thread: mixed, the
    /// order of each sender holds and `drain` waits for both.
    @Test func spacedAndBurstMessagesKeepTheirOrder() async throws {
        let client = PipeClient()
        client.startReading()
        let writer = OutputWriter(fd: client.writeFD)
        await withTaskGroup(of: Void.self) { group in
            for sender in 0..<3 {
                group.addTask {
                    for sequence in 0..<60 {
                        writer.send(["sender": .number(sender), "sequence": .number(sequence)])
                        if sequence % 10 == 0 { try? await Task.sleep(for: .milliseconds(3)) }
                    }
                }
            }
        }
        #expect(writer.drain(timeout: 5))
        writer.close()
        client.closeWriteEnd()
        try await Task.sleep(for: .milliseconds(200))
        let messages = try client.messages()
        #expect(messages.count == 180)
        for sender in 0..<3 {
            let sequences = messages.filter { $0["sender"]?.intValue == sender }.compactMap { $0["sequence"]?.intValue }
            #expect(sequences == Array(0..<60), "sender \(sender) in order")
        }
    }

    /// A batch's messages are written when it ends, together, and not before.
    @Test func aBatchGoesOutWhenItEnds() async throws {
        let client = PipeClient()
        client.startReading()
        let writer = OutputWriter(fd: client.writeFD)
        writer.batched {
            for index in 0..<5 { writer.send(["index": .number(index)]) }
            Thread.sleep(forTimeInterval: 0.2)
            #expect(client.bytes.isEmpty, "a message of the batch was written before it ended")
        }
        #expect(writer.drain(timeout: 5))
        try await Task.sleep(for: .milliseconds(100))
        #expect(try client.messages().compactMap { $0["index"]?.intValue } == Array(0..<5))
        writer.close()
        client.closeWriteEnd()
    }
    /// A spaced message is written by its sender without waiting; when the client's end is full
    /// that write takes nothing, the message goes back to the front of the queue and the writer
    /// thread writes it once the client reads: the sender never waits, nothing is lost or reordered.
    @Test func aDirectWriteTheClientCannotTakeYetIsQueuedInOrder() async throws {
        let client = PipeClient()
        let writer = OutputWriter(fd: client.writeFD)
        // Fill the pipe, but for less room than one message.
        var filler = [UInt8](repeating: UInt8(ascii: " "), count: 1 << 20)
        filler[filler.count - 1] = 0x0A
        let flags = fcntl(client.writeFD, F_GETFL)
        _ = fcntl(client.writeFD, F_SETFL, flags | O_NONBLOCK)
        var filled = 0
        while true {
            let written = filler.withUnsafeBytes { write(client.writeFD, $0.baseAddress, $0.count - 1) }
            if written <= 0 { break }
            filled += written
        }
        _ = fcntl(client.writeFD, F_SETFL, flags)
        // Only the sends are timed: the sleeps between them may last long on a loaded machine.
        var longestSend = Duration.zero
        for sequence in 0..<5 {
            let started = ContinuousClock.now
            writer.send(["sequence": .number(sequence), "pad": .string(String(repeating: "p", count: 200))])
            longestSend = max(longestSend, ContinuousClock.now - started)
            try await Task.sleep(for: .milliseconds(3))  // spaced: each one is written by its sender
        }
        #expect(longestSend < .seconds(2), "a sender waited for the client")
        #expect(writer.queuedBytes > 0)
        client.startReading()
        #expect(writer.drain(timeout: 10))
        writer.close()
        client.closeWriteEnd()
        try await Task.sleep(for: .milliseconds(200))
        #expect(client.bytes.count > filled)
        let sequences = try client.messages().compactMap { $0["sequence"]?.intValue }
        #expect(sequences == Array(0..<5))
    }

    /// A descriptor that refuses writes that never wait (a file on this file system, a terminal)
    /// still gets every message, through `poll` and a plain write.
    @Test func outputToADescriptorWithoutWaitlessWritesArrivesWhole() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("sb-writer-\(getpid())-\(UInt64.random(in: 0...UInt64.max))").path
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        try #require(fd >= 0)
        defer { unlink(path) }
        let writer = OutputWriter(fd: fd)
        for sequence in 0..<20 {
            writer.send(["sequence": .number(sequence)])
            if sequence % 4 == 0 { try await Task.sleep(for: .milliseconds(3)) }
        }
        #expect(writer.drain(timeout: 10))
        writer.close()
        close(fd)
        var parser = FrameParser()
        parser.append(Array(try Data(contentsOf: URL(fileURLWithPath: path))))
        var sequences: [Int] = []
        while let event = parser.next() {
            if case .message(let payload, _) = event { sequences.append(try JSONParser.parse(payload)["sequence"]?.intValue ?? -1) }
        }
        #expect(sequences == Array(0..<20))
    }
}
