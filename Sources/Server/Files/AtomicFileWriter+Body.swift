import Primitives
import JSONRPC
import Upstream

extension AtomicFileWriter {
    /// Writes an upstream answer's body into the file as it arrives, chunk by chunk, and renames
    /// it into place once the body has ended; a failure or cancellation on the way leaves the
    /// destination as it was (the caller discards the writer).
    func commit(_ body: UpstreamBody) async throws {
        for try await chunk in body { try append(chunk) }
        try Task.checkCancellation()
        try await BlockingIO.run { () throws(ResponseError) in try commit() }
    }
}
