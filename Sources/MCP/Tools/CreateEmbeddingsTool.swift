import JSONRPC

/// `create_embeddings`: `embeddings.create`. The vectors are in `structuredContent`; the text
/// content says what came back rather than spelling out thousands of numbers.
struct CreateEmbeddingsTool: Tool {
    let name = "create_embeddings"
    let title = "Create embeddings"
    let summary = """
        Turn text into embedding vectors with the API's embedding model (text-embedding-3-small by default): \
        `input` is a string or an array of strings (or token ids). The vectors are returned as structured \
        content; `dimensions` shortens them (text-embedding-3 models).
        """
    let annotations = ToolAnnotations(readOnly: true)

    func inputSchema(_ schemas: MethodSchemas) -> ObjectSchema { schemas.params("embeddings.create") }

    func outputSchema(_ schemas: MethodSchemas) -> JSONValue { schemas.result("embeddings.create") }

    func call(_ arguments: Params, context: ToolContext) async throws(ResponseError) -> ToolResult {
        let result = try await context.call("embeddings.create", arguments.object)
        let vectors = result["data"]?.arrayValue ?? []
        let dimensions = Set(vectors.compactMap { $0["embedding"]?.arrayValue?.count }).sorted().map(String.init).joined(separator: ", ")
        var text = "\(vectors.count) embedding(s)"
        if !dimensions.isEmpty { text += " of \(dimensions) dimensions" }
        if let model = result["model"]?.stringValue { text += " from \(model)" }
        if let tokens = result["usage"]?["total_tokens"]?.intValue { text += ", \(tokens) token(s)" }
        return ToolResult([.text(text + "; the vectors are in the structured content (data[i].embedding).")], structured: result)
    }
}
