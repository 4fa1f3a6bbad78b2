@testable import MCP
import JSONRPC
import Server
import Testing

/// Every tool's input schema converts to an OpenAI strict function schema: closed objects that
/// declare their properties, no bare references (what openai-agents' converter accepts; the
/// end-to-end suite runs that converter itself when it is installed).
@Suite("MCP input schemas are strict")
struct StrictSchemaTests {
    let catalog = ToolCatalog()

    /// Where `schema` breaks the strict rules, as paths.
    static func problems(_ schema: JSONValue, at path: String = "$") -> [String] {
        guard let object = schema.objectValue else {
            return (schema.arrayValue ?? []).enumerated().flatMap { problems($0.element, at: "\(path)[\($0.offset)]") }
        }
        var found: [String] = []
        if object["$ref"] != nil { found.append("\(path): a reference") }
        let types = object["type"].map { $0.arrayValue ?? [$0] } ?? []
        if types.contains("object") || object["properties"] != nil {
            if object["additionalProperties"] != false { found.append("\(path): not closed") }
            if object["properties"]?.objectValue?.isEmpty ?? true { found.append("\(path): declares no properties") }
        }
        for (key, value) in object where key != "enum" && key != "default" && key != "const" {
            found += problems(value, at: "\(path).\(key)")
        }
        return found
    }

    @Test func everyToolsInputSchemaIsStrict() throws {
        for tool in catalog.declarations(for: .v2026_07_28) {
            let input = try #require(tool["inputSchema"])
            #expect(Self.problems(input).isEmpty, "\(tool["name"] ?? "?"): \(Self.problems(input).prefix(5))")
        }
    }

    @Test func openMapsAreLeftOutAndObjectsClosed() {
        let schema: JSONValue = [
            "type": "object", "required": ["a", "metadata"],
            "properties": [
                "a": ["$ref": "#/$defs/A"],
                "metadata": ["type": ["object", "null"], "additionalProperties": ["type": "string"]],
                "free": ["type": "object"],
                "either": ["anyOf": [["type": "string"], ["type": "object"]]],
                "list": ["type": "array", "items": ["type": "object", "additionalProperties": true]],
                "loop": ["$ref": "#/$defs/Loop"],
            ],
            "$defs": [
                "A": ["title": "A", "type": "object", "properties": ["x": ["type": "string"]], "additionalProperties": true],
                "Loop": ["type": "object", "properties": ["next": ["$ref": "#/$defs/Loop"], "name": ["type": "string"]]],
            ],
        ]
        let strict = StrictSchema.closed(schema)
        #expect(strict["properties"]?.objectValue?.keys == ["a", "either", "loop"])
        #expect(strict["required"] == ["a"])
        #expect(strict["additionalProperties"] == false)
        #expect(strict["properties"]?["a"] == ["type": "object", "properties": ["x": ["type": "string"]], "additionalProperties": false])
        #expect(strict["properties"]?["either"] == ["anyOf": [["type": "string"]]])
        #expect(strict["properties"]?["loop"]?["properties"]?.objectValue?.keys == ["name"], "a reference to itself cannot be inlined")
        #expect(strict["$defs"] == nil)
        #expect(Self.problems(strict).isEmpty)
    }

    @Test func schemaTextsSayOnlyWhatTheirToolTakes() throws {
        let tools = catalog.declarations(for: .v2026_07_28)
        func text(_ name: String) -> String { tools.first { $0["name"]?.stringValue == name }?.jsonText ?? "" }
        for word in ["chunking_strategy", "logprobs", "transcri"] { #expect(!text("edit_image").contains(word), "edit_image: \(word)") }
        #expect(!text("list_models").contains("config.get"))
    }

    @Test func chatsStructuredContentIsSmall() throws {
        let chat = try #require(catalog.declarations(for: .v2026_07_28).first { $0["name"] == "chat" })
        #expect(chat["outputSchema"]?["properties"]?.objectValue?.keys == ["text", "model", "usage"])
        let completion: JSONValue = ["id": "c1", "object": "chat.completion", "model": "gpt-4o",
                                     "choices": [["index": 0, "message": ["role": "assistant", "content": "Hi"], "finish_reason": "stop"]],
                                     "usage": ["prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2]]
        #expect(ChatTool.structured(completion) == ["text": "Hi", "model": "gpt-4o", "usage": ["prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2]])
    }
}
