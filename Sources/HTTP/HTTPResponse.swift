#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// A response whose head has arrived; its body is read through `body`, piece by piece.
///
/// A response that is dropped before its body was read to the end is discarded: the engine reads
/// the rest for a moment (so that the connection can serve the next request) and then lets go.
public final class HTTPResponse: Sendable {
    public let head: HTTPResponseHead
    let transfer: Transfer

    init(head: HTTPResponseHead, transfer: Transfer) {
        self.head = head
        self.transfer = transfer
    }

    deinit { transfer.discard() }

    public var status: Int { head.status }

    /// The body: pieces of at most about the engine's buffer limit, in arrival order; it ends
    /// normally at the body's end, or throws `HTTPError` (connection broken, time limit) or
    /// `CancellationError`. Read it once.
    public var body: ResponseBody { ResponseBody(response: self) }

    /// Reads the body by handing each piece to `consume` where it arrives: on the engine's event
    /// loop thread, in libcurl's write callback, with no task resumed per piece. Returns true as
    /// soon as `consume` returns false (the reader must wait for something, or wants no more),
    /// false at the body's end; call it again to go on. Throws what `consume` throws, `HTTPError`
    /// or `CancellationError`. `consume` must not block: it holds up every transfer.
    public func consume(_ consume: (UnsafeRawBufferPointer) throws -> Bool) async throws -> Bool {
        try await transfer.consume(consume)
    }

    /// Stops the exchange now and closes its connection; a reader gets `CancellationError`.
    public func cancel() { transfer.cancel() }

    /// Runs `body` on the engine's event loop thread (as its task executor), for a reader that
    /// takes a stream piece by piece: each piece is then handled where it arrived, right after
    /// libcurl delivered it, instead of waking a worker thread for it. `body` must not block (it
    /// would hold up every transfer): what must wait suspends instead.
    public func readOnLoop<T>(_ body: () async throws -> T) async throws -> T {
        try await withTaskExecutorPreference(transfer.loop, operation: body)
    }

    /// Stops reading: the rest of the body is drained briefly in the background so the connection
    /// can be reused, else closed. A reader gets the end of the body.
    public func discard() { transfer.discard() }
}

/// The body of an `HTTPResponse` as an async sequence of byte chunks.
public struct ResponseBody: AsyncSequence, Sendable {
    public typealias Element = Data
    let response: HTTPResponse

    public func makeAsyncIterator() -> Iterator { Iterator(response: response) }

    public struct Iterator: AsyncIteratorProtocol {
        let response: HTTPResponse

        public mutating func next() async throws -> Data? {
            try await response.transfer.nextChunk()
        }
    }
}
