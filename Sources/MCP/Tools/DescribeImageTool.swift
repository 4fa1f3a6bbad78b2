import JSONRPC

/// `describe_image`: asks a vision model about an image (a local path or a URL) through
/// `chat.describeImage`; `question` is that method's `prompt`.
struct DescribeImageTool: Tool {
    let name = "describe_image"
    let title = "Describe an image"
    let summary = """
        Ask a vision model (default: the configured vision_model) about an image: `image` is a local file \
        path (PNG, JPEG, GIF or WebP; read and sent inline) or an http(s) or data: URL; `images` gives \
        several. `question` is what to ask (default: describe it). With a progress token the answer \
        streams as progress notifications, each carrying the newly arrived text.
        """
    let annotations = ToolAnnotations(readOnly: true)

    func inputSchema(_ schemas: MethodSchemas) -> ObjectSchema {
        schemas.params("chat.describeImage")
            .removing("stream")
            .renaming("prompt", to: "question", description: "What to ask about the image(s). Default: \"Describe this image.\"")
    }

    func outputSchema(_ schemas: MethodSchemas) -> JSONValue { schemas.result("chat.describeImage") }

    func call(_ arguments: Params, context: ToolContext) async throws(ResponseError) -> ToolResult {
        let progress = DeltaProgress(context.progress)
        var params = arguments.object
        params["question"] = nil
        params["prompt"] = try arguments.string("question").map(JSONValue.string)
        params["stream"] = progress.wantsStream ? true : nil
        let result = try await context.call("chat.describeImage", params, onNotification: progress.relay)
        return ToolResult([.text(result["text"]?.stringValue ?? "")], structured: result)
    }
}
