public import JSONRPC

/// Rebuilds a `chat.completion` object from the `chat.completion.chunk`s of a stream.
///
/// Content, reasoning and refusal text are concatenated per choice; tool calls are merged by
/// their `index` (id and type set once, name and arguments fragments appended); the last
/// non-null value of every other top-level field wins (usage arrives in the last chunk).
/// Lenient with servers that omit fields.
public struct ChatStreamAssembler: Sendable {
    struct ToolCall: Sendable {
        var id: String?
        var type: String?
        var name = ""
        var arguments = ""
    }

    struct Choice: Sendable {
        var index: Int
        var role: String?
        var content: String?
        var reasoning: String?
        var refusal: String?
        /// In first-seen order; `toolCallPositions` maps a call's `index` to its place here.
        var toolCalls: [ToolCall] = []
        var toolCallPositions: [Int: Int] = [:]
        var finishReason: JSONValue = .null
        var logprobs: [JSONValue]?
    }

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

    /// Merges one chunk.
    public mutating func add(_ chunk: JSONValue) {
        guard let object = chunk.objectValue else { return }
        for (key, value) in object where key != "choices" && key != "object" && !value.isNull {
            topLevel[key] = value
        }
        for (position, choice) in (object["choices"]?.arrayValue ?? []).enumerated() {
            add(choice: choice, position: position)
        }
    }

    private mutating func add(choice: JSONValue, position: Int) {
        let index = choice["index"]?.intValue ?? position
        let slot = slot(for: index, in: &choices, positions: &choicePositions) { Choice(index: index) }
        choices[slot].merge(choice)
    }

    /// The `chat.completion` object assembled so far.
    public func result() -> JSONValue {
        var object = JSONObject()
        object["id"] = topLevel["id"] ?? ""
        object["object"] = "chat.completion"
        for (key, value) in topLevel where key != "id" && key != "usage" { object[key] = value }
        object["choices"] = .array(choices.sorted { $0.index < $1.index }.map(\.json))
        if let usage = topLevel["usage"] { object["usage"] = usage }
        return .object(object)
    }
}

extension ChatStreamAssembler.Choice {
    /// Merges one choice of a chunk (its `delta`, or the `message` of a non-streamed answer).
    mutating func merge(_ choice: JSONValue) {
        if let reason = choice["finish_reason"], !reason.isNull { finishReason = reason }
        if let content = choice["logprobs"]?["content"]?.arrayValue { logprobs = (logprobs ?? []) + content }
        guard let delta = choice["delta"]?.objectValue ?? choice["message"]?.objectValue else { return }
        if let role = delta["role"]?.stringValue { self.role = role }
        Self.append(delta["content"], to: &content)
        Self.append(delta["reasoning_content"], to: &reasoning)
        Self.append(delta["refusal"], to: &refusal)
        for (offset, call) in (delta["tool_calls"]?.arrayValue ?? []).enumerated() {
            mergeToolCall(call, position: offset)
        }
    }

    private mutating func mergeToolCall(_ fragment: JSONValue, position: Int) {
        let index = fragment["index"]?.intValue ?? position
        let slot = slot(for: index, in: &toolCalls, positions: &toolCallPositions) { ChatStreamAssembler.ToolCall() }
        if let id = fragment["id"]?.stringValue, !id.isEmpty { toolCalls[slot].id = id }
        if let type = fragment["type"]?.stringValue { toolCalls[slot].type = type }
        if let name = fragment["function"]?["name"]?.stringValue, name != toolCalls[slot].name { toolCalls[slot].name += name }
        if let arguments = fragment["function"]?["arguments"]?.stringValue { toolCalls[slot].arguments += arguments }
    }

    /// Appends in place: the text grows by amortised doubling, never by copying the whole.
    private static func append(_ piece: JSONValue?, to text: inout String?) {
        guard let piece = piece?.stringValue else { return }
        if text == nil { text = piece } else { text!.append(piece) }
    }

    var json: JSONValue {
        var message: JSONObject = ["role": .string(role ?? "assistant")]
        message["content"] = content.map(JSONValue.string) ?? .null
        if let reasoning { message["reasoning_content"] = .string(reasoning) }
        if let refusal { message["refusal"] = .string(refusal) }
        if !toolCalls.isEmpty {
            message["tool_calls"] = .array(toolCalls.map { call in
                [
                    "id": .string(call.id ?? ""),
                    "type": .string(call.type ?? "function"),
                    "function": ["name": .string(call.name), "arguments": .string(call.arguments)],
                ]
            })
        }
        return [
            "index": .number(index),
            "message": .object(message),
            "logprobs": logprobs.map { ["content": .array($0)] } ?? .null,
            "finish_reason": finishReason,
        ]
    }
}

/// Where the element with stream index `index` lives in `elements` (kept in first-seen order),
/// appending `make()` the first time that index appears.
private func slot<Element>(for index: Int, in elements: inout [Element], positions: inout [Int: Int],
                           make: () -> Element) -> Int {
    if let existing = positions[index] { return existing }
    positions[index] = elements.count
    elements.append(make())
    return elements.count - 1
}
