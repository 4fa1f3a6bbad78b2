import FoundationEssentials
public import JSONRPC
import Primitives

/// Reads the protocol input on a dedicated thread with blocking `read(2)` calls and splits it
/// into frames.
///
/// Blocking reads on our own thread avoid the Linux pitfalls of `readabilityHandler`, DispatchIO
/// and O_NONBLOCK. Events are delivered on the reader thread, in input order.
public final class StdinReader: Sendable {
    private let fd: Int32
    private let maxMessageBytes: Int
    private let onEvent: @Sendable (FrameEvent) -> Void
    private let onEnd: @Sendable () -> Void

    public init(fd: Int32 = 0, maxMessageBytes: Int,
                onEvent: @escaping @Sendable (FrameEvent) -> Void,
                onEnd: @escaping @Sendable () -> Void) {
        self.fd = fd
        self.maxMessageBytes = maxMessageBytes
        self.onEvent = onEvent
        self.onEnd = onEnd
    }

    public func start() {
        DetachedThread.start(name: "sb-stdin", stackSize: 4 << 20) { [self] in run() }
    }

    private func run() {
        var parser = FrameParser(maxMessageBytes: maxMessageBytes)
        var chunk = [UInt8](repeating: 0, count: 256 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR { continue }
            if count <= 0 { break }
            parser.append(chunk[0..<count])
            while let event = parser.next() { onEvent(event) }
        }
        while let event = parser.finish() { onEvent(event) }
        onEnd()
    }
}
