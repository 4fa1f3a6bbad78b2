import Primitives
import FoundationEssentials
import JSONRPC
import Store
import Upstream

/// Names a new conversation with a model (config `title_model`), after its first turn was
/// stored: one short non-streamed request, in the background, never holding the answer back.
/// Until it is done (or when it fails: the log says why) the title is the first user message's
/// first line, as without `title_model`.
struct ConversationTitler: Sendable {
    let model: String
    let settings: Settings
    let context: RequestContext
    let store: ConversationStore

    /// The longest title kept, in characters.
    static let limit = 80

    /// Starts naming conversation `id`, which begins with `messages`.
    func start(_ id: String, messages: [JSONValue]) {
        let first = MessageText.title(from: messages, limit: 2000)
        Task.detached { [self] in
            do {
                let title = try await ask(first)
                guard !title.isEmpty else { return }
                _ = try await BlockingIO.run { () throws(StoreError) in try store.rename(id, title: title) }
            } catch {
                context.log.info("conversation \(id): no title from \(model): \(error)")
            }
        }
    }

    private func ask(_ text: String) async throws -> String {
        let body: JSONValue = [
            "model": .string(model), "max_tokens": 24,
            "messages": [
                ["role": "system", "content": "Write a title of at most six words for the conversation that begins with the user's message. Answer with the title only."],
                ["role": "user", "content": .string(text)],
            ],
        ]
        let target = try await context.target(settings)
        let call = try await context.send({ target.request("POST", "chat/completions", body: Data(body.serialized()), accept: "application/json") },
                                          target: target)
        let answer = try await UpstreamJSON.read(call, secrets: context.secrets)
        return Self.clean(answer["choices"]?[0]?["message"]?["content"]?.stringValue ?? "")
    }

    /// A model's answer as a title: its first line, without quotes or a final period, spaces
    /// collapsed, at most `limit` characters.
    static func clean(_ answer: String) -> String {
        let line = answer.split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
        var title = line.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        let quotes: Set<Character> = ["\"", "'", "“", "”", "«", "»", "`", "*"]
        while let first = title.first, quotes.contains(first) { title.removeFirst() }
        while let last = title.last, quotes.contains(last) || last == "." { title.removeLast() }
        return String(title.prefix(limit))
    }
}
