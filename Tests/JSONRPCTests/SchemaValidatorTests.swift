import Foundation
import JSONRPC
import Testing
import TestSupport

// MARK: - The validator itself

@Suite struct SchemaValidatorTests {
    let validator = SchemaValidator(root: [
        "components": [
            "schemas": [
                "Point": [
                    "type": "object",
                    "required": ["x", "y"],
                    "properties": ["x": ["type": "integer"], "y": ["type": "integer"]],
                    "additionalProperties": false,
                ],
                "Loop": ["$ref": "#/components/schemas/Loop"],
                "a/b": ["const": "slash"],
            ],
        ],
    ])

    func problems(_ value: JSONValue, _ schema: JSONValue) -> [String] {
        validator.validate(value, against: schema)
    }

    @Test func booleanSchemasAndEmptySchema() {
        #expect(problems(["anything": [1, 2]], true).isEmpty)
        #expect(problems(1, [:]).isEmpty)
        #expect(problems(1, false) == ["$: no value is allowed here"])
    }

    @Test func types() {
        #expect(problems("x", ["type": "string"]).isEmpty)
        #expect(problems(.null, ["type": ["string", "null"]]).isEmpty)
        #expect(problems(true, ["type": "boolean"]).isEmpty)
        #expect(problems([], ["type": "array"]).isEmpty)
        #expect(problems([:], ["type": "object"]).isEmpty)
        #expect(problems(1.5, ["type": "number"]).isEmpty)
        #expect(problems(1, ["type": "string"]) == ["$: expected string, got a number"])
        #expect(problems(1, ["type": ["string", "null"]]) == ["$: expected one of string, null, got a number"])
        #expect(problems(.null, ["type": "object"]) == ["$: expected object, got null"])
    }

    @Test func integersAreIntegralNumbers() throws {
        #expect(problems(3, ["type": "integer"]).isEmpty)
        #expect(problems(try JSONParser.parse("3.0"), ["type": "integer"]).isEmpty)
        #expect(problems(try JSONParser.parse("1e2"), ["type": "integer"]).isEmpty)
        #expect(problems(try JSONParser.parse("-12345678901234567890"), ["type": "integer"]).isEmpty)
        #expect(problems(2.5, ["type": "integer"]) == ["$: expected integer, got a number"])
        #expect(problems("3", ["type": "integer"]) == ["$: expected integer, got a string"])
    }

    @Test func propertiesRequiredAndPaths() {
        let schema: JSONValue = [
            "type": "object",
            "required": ["choices"],
            "properties": [
                "choices": [
                    "type": "array",
                    "items": [
                        "type": "object",
                        "required": ["message"],
                        "properties": ["message": ["type": "object", "properties": ["content": ["type": ["string", "null"]]]]],
                    ],
                ],
            ],
        ]
        #expect(problems(["choices": [["message": ["content": "hi"]]]], schema).isEmpty)
        #expect(problems([:], schema) == [#"$: missing required property "choices""#])
        #expect(problems(["choices": [["message": ["content": "a"]], [:]]], schema)
            == [#"$.choices[1]: missing required property "message""#])
        #expect(problems(["choices": [["message": ["content": 1]]]], schema)
            == ["$.choices[0].message.content: expected one of string, null, got a number"])
        // Keywords for other types do not apply.
        #expect(problems("text", ["required": ["x"], "items": false, "minimum": 3]).isEmpty)
    }

    @Test func oddKeysArePathQuoted() {
        let schema: JSONValue = ["additionalProperties": false]
        #expect(problems(["x-y": 1, "ok_1": 2], schema)
            == [#"$["x-y"]: property not allowed here"#, "$.ok_1: property not allowed here"])
    }

    @Test func additionalProperties() {
        let closed: JSONValue = ["properties": ["a": true], "additionalProperties": false]
        #expect(problems(["a": 1], closed).isEmpty)
        #expect(problems(["a": 1, "b": 2], closed) == ["$.b: property not allowed here"])
        let typed: JSONValue = ["properties": ["a": true], "additionalProperties": ["type": "string"]]
        #expect(problems(["a": 1, "b": "x"], typed).isEmpty)
        #expect(problems(["a": 1, "b": 2], typed) == ["$.b: expected string, got a number"])
        #expect(problems(["a": 1, "b": 2], ["properties": ["a": true]]).isEmpty)
    }

    @Test func arrays() {
        let schema: JSONValue = ["type": "array", "minItems": 1, "maxItems": 2, "items": ["type": "string"]]
        #expect(problems(["a"], schema).isEmpty)
        #expect(problems([], schema) == ["$: 0 items, fewer than minItems 1"])
        #expect(problems(["a", "b", "c"], schema) == ["$: 3 items, more than maxItems 2"])
        #expect(problems(["a", 1], schema) == ["$[1]: expected string, got a number"])
        #expect(problems([1, "x", true], ["items": [["type": "integer"], ["type": "string"]]]).isEmpty)
        #expect(problems(["x"], ["items": [["type": "integer"]]]) == ["$[0]: expected integer, got a string"])
    }

    @Test func enumAndConstCompareNumbersByValue() throws {
        let one = try JSONParser.parse("1.0")
        #expect(problems(one, ["enum": [1, 2]]).isEmpty)
        #expect(problems(1, ["const": one]).isEmpty)
        #expect(problems(["b": 2, "a": [1]], ["const": ["a": [one], "b": 2]]).isEmpty)
        #expect(problems("low", ["enum": ["auto", "low", "high"]]).isEmpty)
        #expect(problems("max", ["enum": ["auto", "low"]]) == [#"$: "max" is not one of ["auto", "low"]"#])
        #expect(problems("1", ["const": 1]) == [#"$: "1" is not 1"#])
        #expect(problems(.null, ["const": false]) == ["$: null is not false"])
    }

    @Test func numericBounds() throws {
        let schema: JSONValue = ["minimum": 0, "maximum": 2]
        #expect(problems(0, schema).isEmpty)
        #expect(problems(2, schema).isEmpty)
        #expect(problems(try JSONParser.parse("-0.5"), schema) == ["$: -0.5 is less than the minimum 0"])
        #expect(problems(3, schema) == ["$: 3 is greater than the maximum 2"])
        #expect(problems(0, ["exclusiveMinimum": 0]) == ["$: 0 is not greater than 0"])
        #expect(problems(5, ["exclusiveMaximum": 5]) == ["$: 5 is not less than 5"])
        #expect(problems(4, ["exclusiveMinimum": 0, "exclusiveMaximum": 5]).isEmpty)
    }

    @Test func stringLengthsCountCodePoints() {
        #expect(problems("é🙂", ["minLength": 2, "maxLength": 2]).isEmpty)
        #expect(problems("", ["minLength": 1]) == ["$: 0 characters, fewer than minLength 1"])
    }

    @Test func combinators() {
        let anyOf: JSONValue = ["anyOf": [["type": "string"], ["type": "null"]]]
        #expect(problems("x", anyOf).isEmpty)
        #expect(problems(.null, anyOf).isEmpty)
        #expect(problems(1, anyOf)
            == ["$: matches none of the anyOf schemas (1: $: expected string, got a number; 2: $: expected null, got a number)"])

        let oneOf: JSONValue = ["oneOf": [["required": ["image"]], ["required": ["images"]]]]
        #expect(problems(["image": "a.png"], oneOf).isEmpty)
        #expect(problems(["images": ["a.png"]], oneOf).isEmpty)
        #expect(problems(["image": "a", "images": ["b"]], oneOf)
            == ["$: matches oneOf schemas 1, 2, but must match exactly one"])
        #expect(problems([:], oneOf).count == 1)

        let allOf: JSONValue = ["allOf": [["type": "integer"], ["minimum": 10]]]
        #expect(problems(12, allOf).isEmpty)
        #expect(problems(3, allOf) == ["$: 3 is less than the minimum 10"])

        let not: JSONValue = ["type": "string", "not": ["enum": ["text", "image_url"]]]
        #expect(problems("input_audio", not).isEmpty)
        #expect(problems("text", not) == [#"$: "text" matches a schema it must not (not)"#])
    }

    @Test func references() {
        let point: JSONValue = ["$ref": "#/components/schemas/Point"]
        #expect(problems(["x": 1, "y": 2], point).isEmpty)
        #expect(problems(["x": 1], point) == [#"$: missing required property "y""#])
        #expect(problems(["items": point], ["properties": ["items": ["type": "array", "items": point]]]).count == 1)
        #expect(problems(["x": 1, "y": 2, "z": 3], point) == ["$.z: property not allowed here"])
        // A $ref's siblings are ignored, as in draft 7.
        #expect(problems(["x": 1, "y": 2], ["$ref": "#/components/schemas/Point", "type": "string"]).isEmpty)
        #expect(problems("slash", ["$ref": "#/components/schemas/a~1b"]).isEmpty)
        #expect(problems(1, ["$ref": "#/components/schemas/Nope"])
            == [##"$: cannot resolve $ref "#/components/schemas/Nope""##])
        #expect(problems(1, ["$ref": "https://example.com/schema.json"]).count == 1)
        #expect(validator.resolve("#")?["components"] != nil)
        #expect(validator.resolve("#/components/schemas/Point/required/1") == "y")
        #expect(validator.resolve("#/components/schemas/Point/required/2") == nil)
    }

    @Test func referenceCyclesStop() {
        let found = problems(1, ["$ref": "#/components/schemas/Loop"])
        #expect(found.count == 1)
        #expect(found.first?.contains("deeper than") == true)
    }

    @Test func everyProblemIsReported() {
        let schema: JSONValue = [
            "type": "object",
            "required": ["a", "b"],
            "properties": ["c": ["type": "string"], "d": ["minimum": 1]],
        ]
        #expect(problems(["c": 1, "d": 0], schema).count == 4)
    }
}

// MARK: - The protocol document and its examples

/// `protocol/` at the package root, found from this file's path.
private let protocolDirectory = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent()
    .deletingLastPathComponent()
    .deletingLastPathComponent()
    .appendingPathComponent("protocol")

private func loadJSON(_ url: URL) throws -> JSONValue {
    try JSONParser.parse(Array(try Data(contentsOf: url)))
}

/// One example transcript: its file name and its lines, parsed.
private struct Transcript {
    let name: String
    let lines: [JSONValue]

    /// The transcripts of `examples/` and of `examples/agent/` (agent runs, with requests from the
    /// daemon), named by their path under `examples/`.
    static func all() throws -> [Transcript] {
        try ["", "agent/"].flatMap { folder in
            let directory = protocolDirectory.appendingPathComponent("examples/" + folder)
            let names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
                .filter { $0.hasSuffix(".jsonl") }
                .sorted()
            return try names.map { name in
                let text = try String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)
                let lines = try text.split(whereSeparator: \.isNewline)
                    .filter { !$0.allSatisfy(\.isWhitespace) }
                    .map { try JSONParser.parse(String($0)) }
                return Transcript(name: folder + name, lines: lines)
            }
        }
    }

    var sent: [JSONValue] { lines.compactMap { $0["send"] } }
    var expected: [JSONValue] { lines.compactMap { $0["expect"] } }
}

@Suite struct ProtocolDocumentTests {
    let document: JSONValue
    let validator: SchemaValidator

    init() throws {
        document = try loadJSON(protocolDirectory.appendingPathComponent("switchboard.openrpc.json"))
        validator = SchemaValidator(root: document)
    }

    var methods: [JSONValue] { document["methods"]?.arrayValue ?? [] }

    func method(named name: String) -> JSONValue? {
        methods.first { $0["name"]?.stringValue == name }
    }

    /// The error object registered under components.errors for `code`.
    func errorObject(code: Int) -> JSONValue? {
        document["components"]?["errors"]?.objectValue?.first { $0.value["code"]?.intValue == code }?.value
    }

    @Test func documentHeader() {
        #expect(document["openrpc"] == "1.2.6")
        #expect(document["info"]?["title"] == "Switchboard")
        #expect(document["info"]?["version"] == "0.1.0")
        // rpc.discover answers this document, so it must match its own result schema.
        let discover = method(named: "rpc.discover")?["result"]?["schema"] ?? false
        #expect(validator.validate(document, against: discover) == [])
    }

    @Test func everyReferenceResolves() {
        var unresolved: [String] = []
        func walk(_ value: JSONValue) {
            switch value {
            case .object(let object):
                for (key, member) in object {
                    if key == "$ref", let reference = member.stringValue, validator.resolve(reference) == nil {
                        unresolved.append(reference)
                    }
                    walk(member)
                }
            case .array(let array):
                array.forEach(walk)
            default:
                break
            }
        }
        walk(document)
        #expect(unresolved.isEmpty)
    }

    @Test func methodsHaveParamsResultAndKnownErrors() throws {
        let expected = ["initialize", "initialized", "shutdown", "exit", "$/cancelRequest", "models.list",
                        "chat.complete", "chat.describeImage", "chat.analyzeFile", "responses.create", "responses.get", "responses.cancel",
                        "responses.delete", "completions.create", "embeddings.create", "audio.speech",
                        "audio.transcribe", "audio.translate", "images.generate", "images.edit", "midjourney.imagine", "midjourney.action",
                        "midjourney.change", "midjourney.blend", "midjourney.describe", "midjourney.fetch", "midjourney.list",
                        "midjourney.modal", "midjourney.simpleChange", "midjourney.shorten", "midjourney.swapFace", "midjourney.uploadImages",
                        "conversations.list", "conversations.get", "conversations.search", "conversations.fork", "conversations.rename",
                        "conversations.delete", "conversations.export",
                        "config.get", "config.update", "rpc.discover", "api.request", "agent.run", "tools.list"]
        #expect(Set(methods.compactMap { $0["name"]?.stringValue }) == Set(expected))
        for method in methods {
            let name = method["name"]?.stringValue ?? "?"
            #expect(method["paramStructure"] == "by-name", "\(name)")
            #expect(method["params"]?.arrayValue != nil, "\(name)")
            #expect(method["result"]?["schema"] != nil, "\(name)")
            #expect(method["x-params-schema"] != nil, "\(name)")
            for error in method["errors"]?.arrayValue ?? [] {
                let reference = try #require(error["$ref"]?.stringValue)
                #expect(validator.resolve(reference)?["code"]?.intValue != nil, "\(name): \(reference)")
            }
        }
    }

    @Test func everyDocumentedErrorHasADataSchema() {
        let errors = document["components"]?["errors"]?.objectValue ?? JSONObject()
        let codes = Set(errors.compactMap { $0.value["code"]?.intValue })
        #expect(codes == [-32700, -32600, -32601, -32602, -32603, -32800,
                          -32001, -32002, -32003, -32004, -32005, -32006, -32007, -32008])
        for (name, error) in errors {
            let reference = error["data"]?["$ref"]?.stringValue
            #expect(reference.flatMap(validator.resolve) != nil, "\(name)")
        }
    }

    @Test func capabilitiesListTheRequestMethods() throws {
        let pending = ProtocolConformance.specifiedNotServed
        let requests = methods.filter { $0["x-notification"] != true }.compactMap { $0["name"]?.stringValue }
            .filter { !pending.contains($0) }
        let initialize = try #require(try Transcript.all().first { $0.name == "initialize.jsonl" })
        let capabilities = try #require(initialize.expected.first { $0["id"] == 1 }?["result"]?["capabilities"])
        #expect(capabilities["methods"]?.arrayValue?.compactMap(\.stringValue) == requests)
        let notifications = try #require(document["x-notifications"]?.objectValue)
        #expect(capabilities["notifications"]?.arrayValue?.compactMap(\.stringValue) == notifications.keys.filter { !pending.contains($0) })
    }

    /// The requests the daemon sends the client during agent.run: each has a params and a result
    /// schema, and the ids they document are the daemon's own strings.
    @Test func clientRequestsHaveParamsAndResultSchemas() throws {
        let requests = try #require(document["x-client-requests"]?.objectValue)
        #expect(requests.keys == ["tool.approve", "tool.execute"])
        for (name, entry) in requests {
            #expect(entry["params"] != nil && entry["result"] != nil, "\(name)")
            #expect(entry["description"]?.stringValue?.contains("\"sb-<n>\"") == true, "\(name)")
        }
    }

    @Test func schemasRejectWhatTheyShould() {
        let schemas = "#/components/schemas/"
        func problems(_ value: JSONValue, _ name: String) -> [String] {
            validator.validate(value, against: ["$ref": .string(schemas + name)])
        }
        #expect(problems(["request_id": 1, "index": 0, "delta": ["content": "x"], "finish_reason": .null], "ChatDeltaParams").isEmpty)
        #expect(problems(["request_id": 1, "index": 0, "delta": [:]], "ChatDeltaParams")
            == [#"$: missing required property "finish_reason""#])
        #expect(problems(["max_retries": "3"], "ConfigPatch") == ["$.max_retries: expected one of integer, null, got a string"])
        #expect(problems(["max_retries": .null, "headers": ["X-A": .null]], "ConfigPatch").isEmpty)
        #expect(problems(["headers": ["X-A": 1]], "ConfigPatch") == [#"$.headers["X-A"]: expected one of string, null, got a number"#])
        #expect(problems(["bogus": 1], "Config") == ["$.bogus: property not allowed here"])
        #expect(problems(["profiles": ["p": ["profiles": [:]]]], "Config") == [#"$.profiles.p.profiles: property not allowed here"#])
        #expect(problems(["image": "a.png", "images": ["b.png"]], "DescribeImageParams").count == 1)
        #expect(problems(["prompt": "hi"], "DescribeImageParams").count == 1)
        #expect(problems(["messages": [["role": "user", "content": [["type": "image_url", "image_url": ["url": "cat.png"]]]]]],
                         "ChatCompletionRequest").isEmpty)
        #expect(problems(["messages": [["role": "user", "content": [["type": "image_url"]]]]], "ChatCompletionRequest").count == 1)
        #expect(problems(["object": "chat.completion", "choices": [], "x_extra": 1], "ChatCompletion").isEmpty)
        #expect(problems(["choices": []], "ChatCompletion") == [#"$: missing required property "object""#])
        // The agent loop: mcp_servers entries are stdio or HTTP, never both; tool results.
        #expect(problems(["mcp_servers": ["time": ["command": "uvx", "args": ["mcp-server-time"], "trust": true]]], "Config").isEmpty)
        #expect(problems(["mcp_servers": ["web": ["url": "http://127.0.0.1:8000/mcp", "headers": ["Authorization": "Bearer t"]]]], "Config").isEmpty)
        #expect(!problems(["mcp_servers": ["both": ["command": "x", "url": "http://h/mcp"]]], "Config").isEmpty)
        #expect(!problems(["mcp_servers": ["mixed": ["url": "http://h/mcp", "env": ["A": "b"]]]], "Config").isEmpty)
        #expect(!problems(["mcp_servers": ["neither": ["trust": true]]], "Config").isEmpty)
        #expect(problems(["mcp_servers": ["time": ["enabled": false, "args": .null], "old": .null]], "ConfigPatch").isEmpty)
        #expect(!problems(["profiles": ["p": ["mcp_servers": [:]]]], "Config").isEmpty)
        #expect(problems(["content": "42 lines"], "ToolExecuteResult").isEmpty)
        #expect(problems(["content": [["type": "text", "text": "no such file"]], "is_error": true], "ToolExecuteResult").isEmpty)
        #expect(!problems(["is_error": true], "ToolExecuteResult").isEmpty)
        #expect(!problems(["approved": "yes"], "ToolApproveResult").isEmpty)
        #expect(!problems(["request_id": 1, "call_id": "c", "name": "t", "arguments": [:], "status": "done"], "ToolCallParams").isEmpty)
        #expect(!problems(["messages": [["role": "user", "content": "hi"]], "approval": "maybe"], "AgentRunParams").isEmpty)
        #expect(!problems(["messages": [["role": "user", "content": "hi"]], "max_turns": 0], "AgentRunParams").isEmpty)
    }

    /// Every `expect` line of every transcript matches the document: results against the method's
    /// result schema, notifications against their params schema, errors' codes are documented and
    /// their data matches that error's data schema.
    @Test func transcriptsMatchTheDocument() throws {
        let transcripts = try Transcript.all()
        #expect(!transcripts.isEmpty)
        for transcript in transcripts {
            var methodByID: [JSONValue: String] = [:]
            for message in transcript.sent {
                if let id = message["id"], let name = message["method"]?.stringValue { methodByID[id] = name }
            }
            try checkClientAnswers(transcript)
            for message in transcript.expected {
                let context = "\(transcript.name): \(message.jsonText.prefix(120))"
                #expect(message["jsonrpc"] == "2.0", "\(context)")
                if let result = message["result"] {
                    let id = try #require(message["id"], "\(context)")
                    let name = try #require(methodByID[id], "no request with this id: \(context)")
                    let schema = try #require(method(named: name)?["result"]?["schema"], "\(context)")
                    #expect(validator.validate(result, against: schema) == [], "\(context)")
                } else if let error = message["error"] {
                    let code = try #require(error["code"]?.intValue, "\(context)")
                    #expect(error["message"]?.stringValue != nil, "\(context)")
                    let documented = try #require(errorObject(code: code), "undocumented code \(code): \(context)")
                    if let data = error["data"] {
                        let schema = try #require(documented["data"], "\(context)")
                        #expect(validator.validate(data, against: schema) == [], "\(context)")
                    }
                } else if message["id"] != nil {
                    let name = try #require(message["method"]?.stringValue, "\(context)")
                    let schema = try #require(document["x-client-requests"]?[name]?["params"], "undocumented request: \(context)")
                    #expect(message["id"]?.stringValue?.hasPrefix("sb-") == true, "\(context)")
                    #expect(validator.validate(message["params"] ?? .null, against: schema) == [], "\(context)")
                } else {
                    let name = try #require(message["method"]?.stringValue, "\(context)")
                    let schema = try #require(document["x-notifications"]?[name]?["params"], "\(context)")
                    #expect(validator.validate(message["params"] ?? .null, against: schema) == [], "\(context)")
                }
            }
        }
    }

    /// The client's answers to the daemon's requests (`tool.approve`, `tool.execute`) match those
    /// requests' result schemas; each answers a request the daemon made.
    private func checkClientAnswers(_ transcript: Transcript) throws {
        var requestByID: [JSONValue: String] = [:]
        for message in transcript.expected {
            if let id = message["id"], let name = message["method"]?.stringValue { requestByID[id] = name }
        }
        for message in transcript.sent where message["method"] == nil {
            let context = "\(transcript.name): \(message.jsonText.prefix(120))"
            let id = try #require(message["id"], "\(context)")
            let name = try #require(requestByID[id], "no request from the daemon with this id: \(context)")
            if let result = message["result"] {
                let schema = try #require(document["x-client-requests"]?[name]?["result"], "\(context)")
                #expect(validator.validate(result, against: schema) == [], "\(context)")
            } else {
                #expect(message["error"]?["code"]?.intValue != nil, "\(context)")
            }
        }
    }

    /// Requests the transcripts send to documented methods match those methods' params schemas,
    /// except the ones the daemon answers with -32602, which must not.
    @Test func transcriptRequestsMatchTheParamsSchemas() throws {
        for transcript in try Transcript.all() {
            let rejected = Set(transcript.expected.filter { $0["error"]?["code"] == -32602 }.compactMap { $0["id"] })
            for message in transcript.sent {
                guard let name = message["method"]?.stringValue, let method = method(named: name),
                      let schema = method["x-params-schema"] else { continue }
                let problems = validator.validate(message["params"] ?? [:], against: schema)
                let context = "\(transcript.name): \(message.jsonText.prefix(120))"
                if let id = message["id"], rejected.contains(id) {
                    #expect(!problems.isEmpty, "\(context)")
                } else {
                    #expect(problems == [], "\(context)")
                }
            }
        }
    }
}
