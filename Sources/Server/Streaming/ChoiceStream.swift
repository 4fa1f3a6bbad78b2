import JSONRPC
import Primitives
import Upstream

/// A stream of chunks that carry `choices` by `index`, ending with `[DONE]` (chat completions,
/// text completions): each chunk is merged into the answer (`StreamAssembler`) and each of its
/// choices handed to `notify`, which relays it to the client in the method's notification.
struct ChoiceStream<Choice: StreamedChoice>: StreamHandler {
    let context: RequestContext
    /// Relays one choice of a chunk.
    let notify: (JSONValue) -> Void
    /// Relays the delta text of a chunk of the common shape (`CompactChatChunk`): its choice's
    /// index and text. Without it every chunk takes the general path.
    let notifyContent: ((Int, String) -> Void)?
    private var assembler = StreamAssembler<Choice>()
    /// The members other than `choices` of the latest chunk `handle` accepted, as they came; a
    /// chunk of the common shape with the same ones needs no tree (`handleCommon`).
    private var knownOthers: [UInt8]?
    /// Those of the latest chunk of the common shape `handleCommon` read.
    private var others: [UInt8] = []
    /// `others` belong to the chunk `handleCommon` just passed on to `handle`: they become known
    /// once `handle` accepts it.
    private var othersAwaitHandle = false

    init(context: RequestContext, notify: @escaping (JSONValue) -> Void, notifyContent: ((Int, String) -> Void)? = nil) {
        self.context = context
        self.notify = notify
        self.notifyContent = notifyContent
    }

    var terminator: String { "[DONE]" }
    var isComplete: Bool { assembler.isFinished }
    var partial: JSONValue? { assembler.hasOutput ? assembler.result() : nil }
    func result() -> JSONValue { assembler.result() }

    mutating func handleCommon(_ event: SSEEventView) -> Bool? {
        othersAwaitHandle = false
        guard Choice.takesCompactChatChunks, let notifyContent, event.event == "message",
              let chunk = event.withData({ CompactChatChunk.read($0.assumingMemoryBound(to: UInt8.self), others: &others) })
        else { return nil }
        guard let knownOthers, others.hasSameBytes(as: knownOthers) else {
            othersAwaitHandle = true
            return nil
        }
        assembler.appendContent(chunk.content, choice: chunk.index)
        notifyContent(chunk.index, chunk.content)
        return false
    }

    mutating func handle(_ event: SSEEvent, payload: JSONValue) throws -> Bool {
        if let failure = StreamRelay.failure(in: event, payload: payload, secrets: context.secrets) { throw failure }
        assembler.add(payload)
        for choice in payload["choices"]?.arrayValue ?? [] { notify(choice) }
        if othersAwaitHandle {
            knownOthers = others
            othersAwaitHandle = false
        }
        return false
    }
}
