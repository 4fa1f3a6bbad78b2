import JSONRPC

/// `list_models`: `models.list`; the text content is one model id per line.
struct ListModelsTool: Tool {
    let name = "list_models"
    let title = "List the models"
    let summary = "List the models the configured API offers (their ids, for the other tools' `model` argument)."
    let annotations = ToolAnnotations(readOnly: true)

    func inputSchema(_ schemas: MethodSchemas) -> ObjectSchema {
        schemas.params("models.list").describing("list_models arguments (all optional).")
    }

    func outputSchema(_ schemas: MethodSchemas) -> JSONValue { schemas.result("models.list") }

    func call(_ arguments: Params, context: ToolContext) async throws(ResponseError) -> ToolResult {
        let result = try await context.call("models.list", arguments.object)
        let ids = (result["data"]?.arrayValue ?? []).compactMap { $0["id"]?.stringValue }
        return ToolResult([.text(ids.isEmpty ? "The API lists no models." : ids.joined(separator: "\n"))], structured: result)
    }
}
