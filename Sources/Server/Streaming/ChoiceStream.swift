import JSONRPC
import Upstream

/// A stream of chunks that carry `choices` by `index`, ending with `[DONE]` (chat completions,
/// text completions): each chunk is merged into the answer (`StreamAssembler`) and each of its
/// choices handed to `notify`, which relays it to the client in the method's notification.
struct ChoiceStream<Choice: StreamedChoice>: StreamHandler {
    let context: RequestContext
    /// Relays one choice of a chunk.
    let notify: (JSONValue) -> Void
    private var assembler = StreamAssembler<Choice>()

    init(context: RequestContext, notify: @escaping (JSONValue) -> Void) {
        self.context = context
        self.notify = notify
    }

    var terminator: String { "[DONE]" }
    var isComplete: Bool { assembler.isFinished }
    var partial: JSONValue? { assembler.hasOutput ? assembler.result() : nil }
    func result() -> JSONValue { assembler.result() }

    mutating func handle(_ event: SSEEvent, payload: JSONValue) throws -> Bool {
        if let failure = StreamRelay.failure(in: event, payload: payload, secrets: context.secrets) { throw failure }
        assembler.add(payload)
        for choice in payload["choices"]?.arrayValue ?? [] { notify(choice) }
        return false
    }
}
