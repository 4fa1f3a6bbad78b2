public import JSONRPC

/// Rebuilds a `chat.completion` object from the `chat.completion.chunk`s of a stream.
///
/// Content, reasoning and refusal text are concatenated per choice; tool calls are merged by
/// their `index` (id and type set once, name and arguments fragments appended); the last
/// non-null value of every other top-level field wins (usage arrives in the last chunk).
/// Lenient with servers that omit fields.
public struct ChatStreamAssembler: Sendable {
    private struct ToolCall: Sendable {
        var id: String?
        var type: String?
        var name = ""
        var arguments = ""
    }

    private struct Choice: Sendable {
        var role: String?
        var content: String?
        var reasoning: String?
        var refusal: String?
        var toolCalls: [Int: ToolCall] = [:]
        var toolCallOrder: [Int] = []
        var finishReason: JSONValue = .null
        var logprobs: [JSONValue]?
    }

    private var topLevel = JSONObject()
    private var choices: [Int: Choice] = [:]
    private var choiceOrder: [Int] = []

    public init() {}

    /// True once some chunk arrived.
    public var hasOutput: Bool { !topLevel.isEmpty || !choices.isEmpty }

    /// True when every choice seen has a finish reason.
    public var isFinished: Bool {
        !choices.isEmpty && choices.values.allSatisfy { !$0.finishReason.isNull }
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
        if choices[index] == nil {
            choices[index] = Choice()
            choiceOrder.append(index)
        }
        if let reason = choice["finish_reason"], !reason.isNull { choices[index]!.finishReason = reason }
        if let content = choice["logprobs"]?["content"]?.arrayValue {
            choices[index]!.logprobs = (choices[index]!.logprobs ?? []) + content
        }
        guard let delta = choice["delta"]?.objectValue ?? choice["message"]?.objectValue else { return }
        if let role = delta["role"]?.stringValue { choices[index]!.role = role }
        Self.append(delta["content"], to: &choices[index]!.content)
        Self.append(delta["reasoning_content"], to: &choices[index]!.reasoning)
        Self.append(delta["refusal"], to: &choices[index]!.refusal)
        for (offset, call) in (delta["tool_calls"]?.arrayValue ?? []).enumerated() {
            add(toolCall: call, position: offset, choice: index)
        }
    }

    private mutating func add(toolCall: JSONValue, position: Int, choice: Int) {
        let index = toolCall["index"]?.intValue ?? position
        if choices[choice]!.toolCalls[index] == nil {
            choices[choice]!.toolCalls[index] = ToolCall()
            choices[choice]!.toolCallOrder.append(index)
        }
        var call = choices[choice]!.toolCalls[index]!
        if let id = toolCall["id"]?.stringValue, !id.isEmpty { call.id = id }
        if let type = toolCall["type"]?.stringValue { call.type = type }
        if let name = toolCall["function"]?["name"]?.stringValue, name != call.name { call.name += name }
        if let arguments = toolCall["function"]?["arguments"]?.stringValue { call.arguments += arguments }
        choices[choice]!.toolCalls[index] = call
    }

    private static func append(_ piece: JSONValue?, to text: inout String?) {
        guard let piece = piece?.stringValue else { return }
        text = (text ?? "") + piece
    }

    /// The `chat.completion` object assembled so far.
    public func result() -> JSONValue {
        var object = JSONObject()
        object["id"] = topLevel["id"] ?? ""
        object["object"] = "chat.completion"
        for (key, value) in topLevel where key != "id" && key != "usage" { object[key] = value }
        object["choices"] = .array(choiceOrder.map { message(for: $0) })
        if let usage = topLevel["usage"] { object["usage"] = usage }
        return .object(object)
    }

    private func message(for index: Int) -> JSONValue {
        let choice = choices[index]!
        var message: JSONObject = ["role": .string(choice.role ?? "assistant")]
        message["content"] = choice.content.map(JSONValue.string) ?? .null
        if let reasoning = choice.reasoning { message["reasoning_content"] = .string(reasoning) }
        if let refusal = choice.refusal { message["refusal"] = .string(refusal) }
        if !choice.toolCallOrder.isEmpty {
            message["tool_calls"] = .array(choice.toolCallOrder.map { position in
                let call = choice.toolCalls[position]!
                return [
                    "id": .string(call.id ?? ""),
                    "type": .string(call.type ?? "function"),
                    "function": ["name": .string(call.name), "arguments": .string(call.arguments)],
                ]
            })
        }
        return [
            "index": .number(index),
            "message": .object(message),
            "logprobs": choice.logprobs.map { ["content": .array($0)] } ?? .null,
            "finish_reason": choice.finishReason,
        ]
    }
}
