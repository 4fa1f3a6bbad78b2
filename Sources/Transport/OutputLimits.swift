/// The watermarks between which a request's producer of output waits for the client (see
/// `OutputWriter.waitForRoom`), and the point at which the stdin reader itself waits.
public struct OutputLimits: Sendable {
    /// A request with this much unwritten output waits before producing more…
    public var requestHigh: Int
    /// …until its unwritten output falls to this.
    public var requestLow: Int
    /// With this much unwritten output in all, every producer waits…
    public var totalHigh: Int
    /// …until it falls to this.
    public var totalLow: Int
    /// With this much unwritten output in all (answers are queued whatever the marks say: they
    /// are already in memory), the stdin reader stops reading until the client catches up, so
    /// that a client sending requests and reading no answers cannot grow the queue without end.
    public var readerPause: Int

    public init(requestHigh: Int, requestLow: Int, totalHigh: Int, totalLow: Int, readerPause: Int) {
        (self.requestHigh, self.requestLow, self.totalHigh, self.totalLow, self.readerPause) =
            (requestHigh, requestLow, totalHigh, totalLow, readerPause)
    }

    /// 4 MiB per request between 2 MiB marks, 8 MiB in all between 4 MiB marks, the reader
    /// paused at 64 MiB: a fast stream stays a piece or two ahead of the writer (so relaying and
    /// writing overlap, and the writes stay large), and a client that reads nothing costs at most
    /// the total plus one upstream piece per stream.
    public static let standard = OutputLimits(requestHigh: 4 << 20, requestLow: 2 << 20, totalHigh: 8 << 20, totalLow: 4 << 20,
                                              readerPause: 64 << 20)

    /// Limits scaled from a total (tests use small ones): a request may hold an eighth of it.
    public static func total(_ bytes: Int) -> OutputLimits {
        OutputLimits(requestHigh: max(1, bytes / 8), requestLow: max(1, bytes / 32), totalHigh: bytes, totalLow: bytes / 2,
                     readerPause: bytes * 8)
    }
}
