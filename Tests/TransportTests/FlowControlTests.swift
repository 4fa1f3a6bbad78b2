import Primitives
import Foundation
import JSONRPC
import Testing
@testable import Transport

/// Flow control: producers over their marks suspend (no thread waits), others go on.
@Suite("output flow control")
struct FlowControlTests {
    static let pad = String(repeating: "p", count: 1000)

    /// More suspended producers than the pool has threads, and the pool still runs other work:
    /// nobody parks a thread for the client. Once the client reads, every message arrives, in order.
    @Test func producersOverTheirMarksSuspendWithoutHoldingThreads() async throws {
        let client = PipeClient()  // nobody reads yet: the pipe takes about 64 KiB, then output queues
        let writer = OutputWriter(fd: client.writeFD, limits: .total(64 * 1024))
        let producers = 8, perProducer = 400
        let sent = Locked([Int](repeating: 0, count: producers))
        let tasks = (0..<producers).map { producer in
            Task {
                let account = writer.openAccount()
                for sequence in 0..<perProducer {
                    try await writer.waitForRoom(account)
                    writer.send(["producer": .number(producer), "sequence": .number(sequence), "pad": .string(Self.pad)], account: account)
                    sent.withLock { $0[producer] += 1 }
                }
            }
        }
        #expect(await eventually { writer.queuedBytes >= 64 * 1024 }, "output never queued up")
        let stalled = sent.current.reduce(0, +)
        // The pool is free: a task started now finishes while every producer waits for the client.
        let other = Task.detached { 42 }
        #expect(await other.value == 42)
        try await Task.sleep(for: .milliseconds(100))
        #expect(sent.current.reduce(0, +) == stalled, "producers went on while nobody read")
        #expect(stalled < producers * perProducer)
        #expect(writer.queuedBytes < 64 * 1024 + producers * 2048, "queued \(writer.queuedBytes) bytes past the marks")

        client.startReading()
        for task in tasks { try await task.value }
        #expect(writer.drain(timeout: 10))
        writer.close()
        client.closeWriteEnd()
        let messages = try await settledMessages(client, count: producers * perProducer)
        for producer in 0..<producers {
            let sequences = messages.filter { $0["producer"]?.intValue == producer }.compactMap { $0["sequence"]?.intValue }
            #expect(sequences == Array(0..<perProducer), "producer \(producer): every message once and in order")
        }
    }

    /// One request over its own mark waits; another with little unwritten output does not.
    @Test func aRequestOverItsMarkDoesNotHoldBackAnother() async throws {
        let client = PipeClient()
        let writer = OutputWriter(fd: client.writeFD, limits: OutputLimits(requestHigh: 8_000, requestLow: 2_000, totalHigh: 1 << 20,
                                                                              totalLow: 1 << 19, readerPause: 1 << 22))
        let busy = writer.openAccount(), quiet = writer.openAccount()
        // Fill the pipe first (unaccounted), so that what follows stays queued.
        for _ in 0..<100 { writer.send(["fill": .string(Self.pad)]) }
        for _ in 0..<10 { writer.send(["busy": .string(Self.pad)], account: busy) }
        #expect(writer.queuedBytes(of: busy) > 8_000)
        let waiting = RoomWait(writer, busy)
        try await writer.waitForRoom(quiet)  // returns at once
        try await Task.sleep(for: .milliseconds(100))
        #expect(!waiting.hasReturned, "the busy request went on over its mark")
        client.startReading()
        try await waiting.task.value
        writer.close()
        client.closeWriteEnd()
    }

    /// A cancelled producer stops waiting at once, whether or not the client reads.
    @Test func cancellingASuspendedProducerEndsItsWait() async throws {
        let (client, writer, account) = Self.overfull()
        let waiting = Task { try await writer.waitForRoom(account) }
        try await Task.sleep(for: .milliseconds(50))
        waiting.cancel()
        await #expect(throws: CancellationError.self) { try await waiting.value }
        writer.stopWaiting()
        client.startReading()
        writer.close()
        client.closeWriteEnd()
    }

    /// A daemon that is stopping lets every producer go on: their requests must reach their end.
    @Test func stopWaitingReleasesSuspendedProducers() async throws {
        let (client, writer, account) = Self.overfull()
        let waiting = RoomWait(writer, account)
        try await Task.sleep(for: .milliseconds(50))
        #expect(!waiting.hasReturned)
        writer.stopWaiting()
        try await waiting.task.value
        client.startReading()
        writer.close()
        client.closeWriteEnd()
    }

    /// A client that left releases everyone: output is dropped, nobody waits for it.
    @Test func aDepartedClientReleasesSuspendedProducers() async throws {
        signal(SIGPIPE, SIG_IGN)
        let (client, writer, account) = Self.overfull()
        let waiting = Task { try await writer.waitForRoom(account) }
        try await Task.sleep(for: .milliseconds(50))
        client.closeReadEnd()
        try await waiting.value
        #expect(writer.isBroken)
        #expect(writer.queuedBytes == 0)
        writer.close()
        client.closeWriteEnd()
    }

    /// The stdin reader waits only past the reader mark, and goes on once the client catches up.
    @Test func theReaderPausesOnlyPastItsMark() async throws {
        let client = PipeClient()
        let writer = OutputWriter(fd: client.writeFD, limits: OutputLimits(requestHigh: 1024, requestLow: 256, totalHigh: 4096,
                                                                              totalLow: 2048, readerPause: 256 * 1024))
        for _ in 0..<100 { writer.send(["pad": .string(Self.pad)]) }
        writer.waitWhileOverloaded()  // about 100 KB queued or in the pipe: below the mark, returns
        for _ in 0..<400 { writer.send(["pad": .string(Self.pad)]) }
        let resumed = Locked(false)
        Thread {
            writer.waitWhileOverloaded()
            resumed.withLock { $0 = true }
        }.start()
        try await Task.sleep(for: .milliseconds(100))
        #expect(!resumed.current, "the reader went on past its mark")
        client.startReading()
        #expect(await eventually { resumed.current })
        writer.close()
        client.closeWriteEnd()
    }

    // MARK: - The ledger

    @Test func theLedgerSettlesAccountsInWriteOrder() {
        var ledger = FlowLedger()
        ledger.enqueue(100, account: 1)
        ledger.enqueue(50, account: nil)
        ledger.enqueue(200, account: 2)
        ledger.enqueue(30, account: 1)
        #expect(ledger.queued == 380)
        #expect(ledger.balance(of: 1) == 130)
        ledger.wrote(120)  // account 1's first message, part of the unaccounted one
        #expect(ledger.balance(of: 1) == 30)
        #expect(ledger.balance(of: 2) == 200)
        ledger.wrote(229)  // up to one byte short of account 2's end
        #expect(ledger.balance(of: 2) == 200)
        ledger.wrote(1)
        #expect(ledger.balance(of: 2) == 0)
        ledger.wrote(30)
        #expect(ledger.queued == 0 && ledger.balance(of: 1) == 0)
    }

    @Test func theLedgerResumesBelowTheLowMarksOnly() {
        let limits = OutputLimits(requestHigh: 100, requestLow: 20, totalHigh: 1000, totalLow: 500, readerPause: 10_000)
        var ledger = FlowLedger()
        for _ in 0..<9 { ledger.enqueue(10, account: 1) }
        ledger.enqueue(9, account: 1)
        #expect(ledger.hasRoom(for: 1, waited: false, limits: limits))
        ledger.enqueue(1, account: 1)
        #expect(!ledger.hasRoom(for: 1, waited: false, limits: limits))
        ledger.wrote(50)
        #expect(!ledger.hasRoom(for: 1, waited: true, limits: limits), "resumed above the low mark")
        ledger.wrote(30)
        #expect(ledger.hasRoom(for: 1, waited: true, limits: limits))
        ledger.enqueue(1000, account: 2)
        #expect(!ledger.hasRoom(for: 3, waited: false, limits: limits), "the total is over its mark for everyone")
        ledger.dropAll()
        #expect(ledger.queued == 0 && ledger.hasRoom(for: 2, waited: true, limits: limits))
    }

    @Test func theLedgerKeepsFewMarksOverALongRun() {
        var ledger = FlowLedger()
        for _ in 0..<100_000 {
            ledger.enqueue(10, account: 7)
            ledger.enqueue(10, account: 8)
            ledger.wrote(15)
        }
        ledger.wrote(ledger.queued)
        #expect(ledger.balance(of: 7) == 0 && ledger.balance(of: 8) == 0)
        #expect(ledger.markCount == 0)
    }

    // MARK: - Helpers

    /// A writer whose client reads nothing, with one account far over its marks.
    static func overfull() -> (PipeClient, OutputWriter, OutputAccount) {
        let client = PipeClient()
        let writer = OutputWriter(fd: client.writeFD, limits: .total(16 * 1024))
        let account = writer.openAccount()
        for _ in 0..<200 { writer.send(["pad": .string(Self.pad)], account: account) }
        return (client, writer, account)
    }

    private func eventually(timeout: Double = 30, _ condition: () -> Bool) async -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if condition() { return true }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return condition()
    }

    /// Waits for room in a task of its own, and tells whether it has returned.
    private final class RoomWait: Sendable {
        let task: Task<Void, any Error>
        private let returned = Locked(false)

        init(_ writer: OutputWriter, _ account: OutputAccount) {
            let returned = self.returned
            task = Task {
                try await writer.waitForRoom(account)
                returned.withLock { $0 = true }
            }
        }

        var hasReturned: Bool { returned.current }
    }

    private func settledMessages(_ client: PipeClient, count: Int) async throws -> [JSONValue] {
        _ = await eventually { (try? client.messages().count) == count }
        return try client.messages()
    }
}
