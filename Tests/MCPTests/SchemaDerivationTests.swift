@testable import MCP
import JSONRPC
import Server
import Testing
import TestSupport

/// The tools' schemas come from the OpenRPC document: the same property schemas, adapted.
@Suite("MCP tool schemas derived from the OpenRPC document")
struct SchemaDerivationTests {
    let schemas = MethodSchemas()
    let catalog = ToolCatalog()

    func declaration(_ name: String, _ version: ProtocolVersion = .v2026_07_28) throws -> JSONValue {
        try #require(catalog.declarations(for: version).first { $0["name"]?.stringValue == name })
    }

    @Test func chatTakesTheAPIsOptionsAsTheOpenRPCDocumentDefinesThem() throws {
        let input = try #require(try declaration("chat")["inputSchema"])
        let openRPC = MethodRunner.document["components"]?["schemas"]?["ChatCompletionRequest"]?["properties"]
        #expect(input["properties"]?["temperature"] == openRPC?["temperature"])
        #expect(input["properties"]?["messages"]?["items"]?["properties"]?["role"] != nil, "references are inlined (strict schemas)")
        #expect(input["$defs"] == nil)
        #expect(input["properties"]?["stream"] == nil, "streaming follows the progress token")
        #expect(input["properties"]?.objectValue?.keys.prefix(2) == ["prompt", "system"])
        #expect(input["required"] == nil, "prompt or messages: the tool checks")
    }

    @Test func noInputSchemaHasACombinatorAtItsRoot() throws {
        for tool in catalog.declarations(for: .v2026_07_28) {
            let input = try #require(tool["inputSchema"]?.objectValue)
            #expect(input["type"] == "object")
            #expect(input["oneOf"] == nil && input["anyOf"] == nil && input["allOf"] == nil, "\(tool["name"] ?? "?")")
        }
    }

    @Test func everyOutputSchemaIsAnObjectSchemaThatResolves() throws {
        for tool in catalog.declarations(for: .v2025_11_25) {
            let output = try #require(tool["outputSchema"])
            #expect(output["type"] == "object", "2025-11-25 requires type object: \(tool["name"] ?? "?")")
            #expect(!output.jsonText.contains("#/components/"), "self-contained: \(tool["name"] ?? "?")")
        }
        let speech = try #require(try declaration("text_to_speech")["outputSchema"])
        let validator = SchemaValidator(root: speech)
        #expect(validator.validate(["path": "/x/speech.mp3", "bytes": 3, "content_type": "audio/mpeg"], against: speech).isEmpty)
        #expect(!validator.validate(["path": "/x/speech.mp3"], against: speech).isEmpty)
    }

    @Test func describeImageAsksAQuestionAndMidjourneyChoosesAnOperation() throws {
        let describe = try #require(try declaration("describe_image")["inputSchema"]?["properties"])
        #expect(describe["question"] != nil && describe["prompt"] == nil)
        let midjourney = try #require(try declaration("midjourney")["inputSchema"])
        #expect(midjourney["required"] == ["operation"])
        #expect(midjourney["properties"]?["operation"]?["enum"] == ["imagine", "action", "change", "blend", "describe", "fetch", "list", "modal",
                                                                         "simple_change", "shorten", "swap_face", "upload_images"])
        #expect(midjourney["properties"]?["wait"]?["default"] == true)
        #expect(midjourney["properties"]?["customId"]?["description"]?.stringValue?.hasSuffix("Operations: action.") == true)
    }

    @Test func toolsThatWriteFilesTakeNoDestination() throws {
        #expect(try declaration("generate_image")["inputSchema"]?["properties"]?["output_dir"] == nil)
        #expect(try declaration("edit_image")["inputSchema"]?["properties"]?["output_dir"] == nil)
        #expect(try declaration("text_to_speech")["inputSchema"]?["properties"]?["output_path"] == nil)
    }

    @Test func progressOnlyEverGrows() {
        let sent = Mailbox<JSONValue>()
        let reporter = ProgressReporter(token: "t") { sent.post($0) }
        for value in [0.0, 0, 40, 30, 40, 100] { reporter.report(value, total: 100) }
        #expect(sent.snapshot().compactMap { $0["params"]?["progress"]?.doubleValue } == [0, 40, 100])
    }
}
