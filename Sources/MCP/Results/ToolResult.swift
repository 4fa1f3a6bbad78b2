import FoundationEssentials
import JSONRPC

/// A `tools/call` result: content blocks for the model, `structuredContent` for programs, and
/// whether the call failed.
struct ToolResult: Sendable {
    var content: [ContentBlock]
    var structured: JSONValue?
    var isError = false

    init(_ content: [ContentBlock], structured: JSONValue? = nil, isError: Bool = false) {
        self.content = content
        self.structured = structured
        self.isError = isError
    }

    /// A failed call, told so that a model can act on it: the error's message (which names the
    /// argument, the file or the upstream's complaint), and any answer produced before it.
    init(error: ResponseError) {
        var text = error.message
        if let partial = error.data?["partial"]?["choices"]?[0]?["message"]?["content"]?.stringValue, !partial.isEmpty {
            text += "\n\nThe answer so far, before the failure:\n" + partial
        }
        self.init([.text(text)], isError: true)
    }

    /// The result object for `version` (without `resultType`, which the dispatcher adds).
    func json(for version: ProtocolVersion) -> JSONValue {
        var result: JSONObject = ["content": .array(content.flatMap { $0.json(for: version) })]
        if let structured, version.hasStructuredResults { result["structuredContent"] = structured }
        if isError { result["isError"] = true }
        return .object(result)
    }
}
