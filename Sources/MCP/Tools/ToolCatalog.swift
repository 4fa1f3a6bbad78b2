import JSONRPC

/// The tools, in the order `tools/list` gives them (always the same, as 2026-07-28 asks).
struct ToolCatalog: Sendable {
    static let all: [any Tool] = [
        ChatTool(),
        DescribeImageTool(),
        ImageTool.generate,
        ImageTool.edit,
        TranscribeAudioTool(),
        TextToSpeechTool(),
        CreateEmbeddingsTool(),
        MidjourneyTool(),
        ListModelsTool(),
    ]

    let tools: [any Tool]
    let schemas: MethodSchemas

    init(tools: [any Tool] = ToolCatalog.all, schemas: MethodSchemas = MethodSchemas()) {
        self.tools = tools
        self.schemas = schemas
    }

    func tool(named name: String) -> (any Tool)? {
        tools.first { $0.name == name }
    }

    /// The `tools` array of a `tools/list` result, with the fields `version` defines.
    func declarations(for version: ProtocolVersion) -> [JSONValue] {
        tools.map { tool in
            var entry: JSONObject = ["name": .string(tool.name)]
            if version.hasStructuredResults { entry["title"] = .string(tool.title) }
            entry["description"] = .string(tool.summary)
            entry["inputSchema"] = StrictSchema.closed(schemas.bundle(tool.inputSchema(schemas).withoutRootCombinators().json))
            if version.hasStructuredResults { entry["outputSchema"] = schemas.bundle(Self.objectRooted(schemas.inlined(tool.outputSchema(schemas)))) }
            if version.hasAnnotationsAndAudio { entry["annotations"] = tool.annotations.json }
            return .object(entry)
        }
    }

    /// Revisions before 2026-07-28 require `type: "object"` at an output schema's root: a
    /// reference or a combinator alone gets it added (every structured result is an object).
    static func objectRooted(_ schema: JSONValue) -> JSONValue {
        guard var object = schema.objectValue, object["type"] == nil else { return schema }
        if let reference = object["$ref"] {
            object = ["type": "object", "allOf": [["$ref": reference]]]
        } else {
            object["type"] = "object"
        }
        return .object(object)
    }
}
