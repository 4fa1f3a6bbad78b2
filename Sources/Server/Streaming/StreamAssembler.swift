public import JSONRPC

/// One choice of a streamed answer, rebuilt from its pieces in the chunks.
public protocol StreamedChoice: Sendable {
    /// The `object` of the assembled answer (`chat.completion`, `text_completion`).
    static var assembledObject: String { get }
    init(index: Int)
    var index: Int { get }
    /// null until the choice's last piece.
    var finishReason: JSONValue { get }
    /// Merges the choice's piece of one chunk.
    mutating func merge(_ piece: JSONValue)
    /// The choice as the non-streamed answer holds it.
    var json: JSONValue { get }
    /// Whether this kind's pieces come as chat deltas, so that chunks of their most common shape
    /// (`CompactChatChunk`) may skip `merge` for `appendContent`.
    static var takesCompactChatChunks: Bool { get }
    /// Appends a delta's `content` text, as `merge` of `{"delta": {"content": text}}` would.
    mutating func appendContent(_ text: String)
}

extension StreamedChoice {
    public static var takesCompactChatChunks: Bool { false }
    public mutating func appendContent(_ text: String) {}
}

/// Rebuilds a whole answer from the chunks of a stream whose chunks carry `choices` by `index`
/// (chat completions, text completions). The last non-null value of every top-level field wins
/// (usage arrives in the last chunk); each choice merges its own pieces (`StreamedChoice`).
/// Lenient with servers that omit fields.
public struct StreamAssembler<Choice: StreamedChoice>: Sendable {
    private var topLevel = JSONObject()
    /// In first-seen order (sorted by `index` in the result); `choicePositions` maps a choice's
    /// `index` to its place here.
    private var choices: [Choice] = []
    private var choicePositions: [Int: Int] = [:]

    public init() {}

    /// True once some chunk arrived.
    public var hasOutput: Bool { !topLevel.isEmpty || !choices.isEmpty }

    /// True when every choice seen has a finish reason.
    public var isFinished: Bool {
        !choices.isEmpty && choices.allSatisfy { !$0.finishReason.isNull }
    }

    /// Appends the `content` text of choice `index`'s delta, from a chunk whose other members
    /// are those of a chunk merged before (see `CompactChatChunk`).
    public mutating func appendContent(_ text: String, choice index: Int) {
        choices[position(of: index)].appendContent(text)
    }

    /// Merges one chunk.
    public mutating func add(_ chunk: JSONValue) {
        guard let object = chunk.objectValue else { return }
        for (key, value) in object where key != "choices" && key != "object" && !value.isNull {
            topLevel[key] = value
        }
        for (position, choice) in (object["choices"]?.arrayValue ?? []).enumerated() {
            choices[self.position(of: choice["index"]?.intValue ?? position)].merge(choice)
        }
    }

    /// Where the choice with `index` is in `choices`, added when it is new.
    private mutating func position(of index: Int) -> Int {
        if let position = choicePositions[index] { return position }
        choicePositions[index] = choices.count
        choices.append(Choice(index: index))
        return choices.count - 1
    }

    /// The answer assembled so far.
    public func result() -> JSONValue {
        var object = JSONObject()
        object["id"] = topLevel["id"] ?? ""
        object["object"] = .string(Choice.assembledObject)
        for (key, value) in topLevel where key != "id" && key != "usage" { object[key] = value }
        object["choices"] = .array(choices.sorted { $0.index < $1.index }.map(\.json))
        if let usage = topLevel["usage"] { object["usage"] = usage }
        return .object(object)
    }
}
