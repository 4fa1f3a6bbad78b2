import JSONRPC
import TestSupport

/// The fake upstream of the ACP tests: `/v1/models` lists four models; a chat's answer is chosen
/// by the last user message (see Tests/Fixtures/acp/sdk_client_test.py), and once a tool has
/// answered, the model says what the tool returned.
enum ACPUpstream {
    static let models = ["o3-mini", "gpt-4o", "gpt-5.1", "gpt-4o-mini"]

    static func start() throws -> FakeUpstream {
        try FakeUpstream { request in
            switch (request.method, request.path) {
            case ("GET", "/v1/models"):
                return .json(["object": "list", "data": .array(models.map { ["id": .string($0), "object": "model"] })])
            case ("POST", "/v1/chat/completions"): return chat(request.json ?? [:])
            default: return .error(status: 404, message: "no such path")
            }
        }
    }

    static func chat(_ body: JSONValue) -> FakeResponse {
        let messages = body["messages"]?.arrayValue ?? []
        let users = messages.filter { $0["role"] == "user" }.map { $0["content"]?.stringValue ?? "" }
        let prompt = users.last ?? ""
        if case .array(let parts)? = messages.last?["content"] {
            let types = parts.compactMap { $0["type"]?.stringValue }.joined(separator: ", ")
            let texts = parts.compactMap { $0["text"]?.stringValue }.joined(separator: " / ")
            return .chatStream(["parts: \(types) | \(texts)"])
        }
        if messages.last?["role"] == "tool" {
            if prompt == "fail" { return .error(status: 400, message: "the upstream is overloaded") }
            if prompt == "loop" { return .toolCallStream([call("read_text_file", #"{"path": "notes.txt"}"#)]) }
            return .chatStream(["Result: ", messages.last?["content"]?.stringValue ?? ""])
        }
        switch prompt {
        case "hello":
            let model = body["model"]?.stringValue ?? "?"
            let effort = body["reasoning_effort"]?.stringValue ?? "none"
            return stream([["reasoning_content": "thinking about hello"], ["content": "Hello"], ["content": " from"],
                           ["content": " the relay."], ["content": .string(" (model=\(model) effort=\(effort))")]])
        case "read notes.txt", "fail", "loop": return .toolCallStream([call("read_text_file", #"{"path": "notes.txt"}"#)])
        case "what time is it": return .toolCallStream([call("time__get_current_time", #"{"timezone": "Etc/UTC"}"#)])
        case "read outside": return .toolCallStream([call("read_text_file", #"{"path": "/etc/hostname"}"#)])
        case let prompt where prompt.hasPrefix("read /"):
            return .toolCallStream([call("read_text_file", #"{"path": "\#(prompt.dropFirst(5))"}"#)])
        case "write out.txt": return .toolCallStream([call("write_text_file", #"{"path": "out.txt", "content": "new text\n"}"#)])
        case "run echo": return .toolCallStream([call("run_command", #"{"command": "sh", "args": ["-c", "echo built; exit 3"]}"#)])
        case "run sleep": return .toolCallStream([call("run_command", #"{"command": "sleep", "args": ["30"]}"#)])
        case "history":
            let assistants = messages.filter { $0["role"] == "assistant" }.compactMap { $0["content"]?.stringValue }
            let lines = users.dropLast().map { "earlier: \($0)" } + assistants.map { "assistant said: \($0)" }
            return .chatStream([lines.joined(separator: "\n")])
        case "slow": return .chatStream((0..<10).map { "slow-\($0) " }, delay: 0.4)
        case "refuse": return stream([["refusal": "I can't help with that."]])
        case "long": return stream([["content": "This answer is cut"]], finishReason: "length")
        default: return .chatStream(["I was not told what to do with: \(prompt)"])
        }
    }

    private static func call(_ name: String, _ arguments: String) -> FakeResponse.ToolCall {
        FakeResponse.ToolCall(id: "call_\(name)", name: name, arguments: arguments)
    }

    /// A stream of one chunk per delta, then one with `finishReason`.
    private static func stream(_ deltas: [JSONValue], finishReason: String = "stop") -> FakeResponse {
        func chunk(_ delta: JSONValue, _ finish: JSONValue) -> String {
            JSONValue.object(JSONObject([
                ("id", "chatcmpl-acp"), ("object", "chat.completion.chunk"), ("created", 1_700_000_000), ("model", "gpt-4o-mini"),
                ("choices", [["index": 0, "delta": delta, "finish_reason": finish]]),
            ])).jsonText
        }
        return .sse([chunk(["role": "assistant", "content": ""], .null)] + deltas.map { chunk($0, .null) } + [chunk([:], .string(finishReason))])
    }
}
