import Foundation
import JSONRPC
import Testing
import TestSupport

/// MCP's published JSON Schemas (Tests/Fixtures/mcp/schema), and the check of a whole
/// conversation against them: every message the client sent and was answered without error, and
/// every message the daemon wrote, against the revision of the request it belongs to (2026-07-28
/// when the request declared it in `_meta`, else 2025-11-25); tool arguments against the tool's
/// `inputSchema` and `structuredContent` against its `outputSchema`, as `tools/list` gave them.
struct MCPSchemas {
    let modern: SchemaValidator
    let legacy: SchemaValidator

    static let shared: MCPSchemas? = try? MCPSchemas()

    init() throws {
        let folder = repositoryRoot.appendingPathComponent("Tests/Fixtures/mcp/schema")
        func load(_ revision: String) throws -> SchemaValidator {
            SchemaValidator(root: try JSONParser.parse(Array(Data(contentsOf: folder.appendingPathComponent("\(revision)/schema.json")))))
        }
        modern = try load("2026-07-28")
        legacy = try load("2025-11-25")
    }

    /// The result definition of each method.
    static let results = ["initialize": "InitializeResult", "server/discover": "DiscoverResult", "tools/list": "ListToolsResult",
                          "tools/call": "CallToolResult", "ping": "EmptyResult", "logging/setLevel": "EmptyResult"]

    static func isModern(_ message: JSONValue) -> Bool {
        message["params"]?["_meta"]?["io.modelcontextprotocol/protocolVersion"] != nil
    }

    private func check(_ value: JSONValue, _ definition: String, modern: Bool, _ what: String) -> [String] {
        (modern ? self.modern : legacy).validate(value, against: ["$ref": .string("#/$defs/\(definition)")]).map { "\(what): \($0)" }
    }

    /// Every problem in a conversation (empty when it all conforms).
    func problems(sent: [JSONValue], written: [JSONValue]) -> [String] {
        var requests: [JSONValue: JSONValue] = [:]
        for message in sent { if let id = message["id"] { requests[id] = message } }
        var tools: [String: JSONValue] = [:]
        for message in written {
            for tool in message["result"]?["tools"]?.arrayValue ?? [] { if let name = tool["name"]?.stringValue { tools[name] = tool } }
        }
        var problems: [String] = []
        for message in written {
            let text = String(message.jsonText.prefix(200))
            if let method = message["method"]?.stringValue {
                let definition = method == "notifications/progress" ? "ProgressNotification" : "LoggingMessageNotification"
                problems += check(message, definition, modern: true, text) + check(message, definition, modern: false, text)
                continue
            }
            let request = message["id"].flatMap { requests[$0] }
            let modern = request.map(Self.isModern) ?? true
            problems += check(message, "JSONRPCMessage", modern: modern, text)
            if let error = message["error"] {
                problems += check(message, error["code"] == -32022 ? "UnsupportedProtocolVersionError" : "JSONRPCErrorResponse", modern: true, text)
                continue
            }
            guard let request, let method = request["method"]?.stringValue, let definition = Self.results[method] else {
                problems.append("\(text): answers no request this test sent")
                continue
            }
            problems += check(message["result"] ?? .null, definition, modern: modern, "\(method) result \(text)")
            problems += check(request, "ClientRequest", modern: modern, "request \(request.jsonText.prefix(200))")
            if method == "tools/call", let tool = request["params"]?["name"]?.stringValue.flatMap({ tools[$0] }) {
                problems += toolProblems(tool, arguments: request["params"]?["arguments"] ?? [:], result: message["result"] ?? .null)
            }
        }
        for message in sent where message["id"] == nil {
            problems += check(message, "ClientNotification", modern: Self.isModern(message), "notification \(message.jsonText.prefix(200))")
        }
        return problems
    }

    /// Arguments against `inputSchema`, `structuredContent` against `outputSchema`.
    private func toolProblems(_ tool: JSONValue, arguments: JSONValue, result: JSONValue) -> [String] {
        let name = tool["name"]?.stringValue ?? "?"
        var problems: [String] = []
        if let input = tool["inputSchema"] {
            problems += SchemaValidator(root: input).validate(arguments, against: input).map { "\(name) arguments: \($0)" }
        }
        if let output = tool["outputSchema"], let structured = result["structuredContent"], result["isError"] != true {
            problems += SchemaValidator(root: output).validate(structured, against: output).map { "\(name) structuredContent: \($0)" }
        }
        return problems
    }
}

extension Harness {
    /// `finish()` for an MCP daemon: the conversation is checked against MCP's schemas.
    @discardableResult
    func finishMCP(expectCode: Int32 = 0, sourceLocation: SourceLocation = #_sourceLocation) throws -> [JSONValue] {
        try finish(expectCode: expectCode, conformance: { harness in
            let schemas = try #require(MCPSchemas.shared, "MCP's schemas load", sourceLocation: sourceLocation)
            let problems = schemas.problems(sent: harness.daemon.sent, written: try harness.daemon.writtenMessages())
            #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))", sourceLocation: sourceLocation)
        }, sourceLocation: sourceLocation)
    }
}
