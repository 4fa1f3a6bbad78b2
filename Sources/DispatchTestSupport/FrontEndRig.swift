public import JSONRPC
public import Server
public import Transport
public import TestSupport
import Primitives
import Foundation
import Upstream

/// A front end's surroundings, in process: an `OutputWriter` writing to a pipe that a thread
/// reads and splits into messages, a `ConfigStore` and a `MethodRunner` over the stub methods.
/// The front end under test is built on `runner` and `writer`. The pipe stays open for the
/// process's life, so that the writer never meets a closed reader.
public final class FrontEndRig: Sendable {
    /// A front end's `receive`.
    public typealias Receive = @Sendable (FrameEvent) -> Void

    public let events = StubEvents()
    public let writer: OutputWriter
    public let runner: MethodRunner
    private let messages = Mailbox<JSONValue>()
    private let receive: Receive

    /// - Parameter frontEnd: builds the front end under test and gives its `receive`.
    public init(frontEnd: (MethodRunner, OutputWriter) -> Receive) throws {
        var fds: [Int32] = [0, 0]
        pipe(&fds)
        writer = OutputWriter(fd: fds[1])
        let secrets = Secrets()
        let config = ConfigStore(startup: [:], secrets: secrets)
        runner = MethodRunner(config: config, client: UpstreamClient(), log: try Log(level: .error, secrets: secrets),
                              secrets: secrets, methods: StubMethods.all(events))
        receive = frontEnd(runner, writer)
        let (fd, messages) = (fds[0], self.messages)
        Thread {
            var parser = FrameParser()
            var buffer = [UInt8](repeating: 0, count: 65536)
            while true {
                let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                if count < 0, errno == EINTR { continue }
                if count <= 0 { break }
                parser.append(buffer[0..<count])
                while let event = parser.next() {
                    if case .message(let bytes, _) = event, let value = try? JSONParser.parse(bytes) { messages.post(value) }
                }
            }
        }.start()
    }

    /// Hands `message`, as an NDJSON frame, to `receive` (the front end's unless given) on a thread of its own, as
    /// the stdin reader does, and returns when `receive` has: in-order methods block it, and no
    /// thread of the cooperative pool should wait for them.
    public func send(_ message: JSONValue, to receive: Receive? = nil) async {
        let receive = receive ?? self.receive
        let event = FrameEvent.message(message.serialized(), .ndjson)
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            Thread {
                receive(event)
                done.resume()
            }.start()
        }
    }

    /// The next message written, or nil when none comes within `timeout` seconds. Waits suspend:
    /// the methods under test run on the cooperative pool, which a blocked wait would starve.
    public func next(timeout: Double = TestTiming.seconds(30)) async -> JSONValue? { await messages.next(within: timeout) }

    /// Messages up to and including the response to `id` (nil when it does not come in time).
    public func messages(through id: JSONValue, timeout: Double = TestTiming.seconds(30)) async -> [JSONValue]? {
        var read: [JSONValue] = []
        while let message = await next(timeout: timeout) {
            read.append(message)
            if message["id"] == id, message["method"] == nil { return read }
        }
        return nil
    }

    /// Waits until request `id` has left the request table.
    public func waitUntilDone(_ id: JSONValue, timeout: Double = TestTiming.seconds(30)) async -> Bool {
        guard let id = RequestID(id) else { return false }
        let deadline = ContinuousClock.now + .seconds(timeout)
        while runner.isInFlight(id) {
            if ContinuousClock.now > deadline { return false }
            try? await Task.sleep(for: .milliseconds(5))
        }
        return true
    }
}
