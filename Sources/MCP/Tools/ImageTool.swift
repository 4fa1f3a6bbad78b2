import FoundationEssentials
import JSONRPC

/// `generate_image` and `edit_image`: `images.generate` / `images.edit` with `output_dir` set to a
/// new folder of the call's own under the output folder. Each image comes back as a `resource_link`
/// to its file, preceded by the image itself when it is small (see `SavedFile.blocks`);
/// `structuredContent` is the API's answer with each item's `path` and without `b64_json` (the
/// bytes are in the file).
struct ImageTool: Tool {
    let name: String
    let title: String
    let summary: String
    let method: String
    let annotations = ToolAnnotations(readOnly: false)

    static let generate = ImageTool(
        name: "generate_image", title: "Generate an image",
        summary: """
            Generate images from a text `prompt` with the API's image model (dall-e-2 by default; `model`, \
            `size`, `quality`, `style`, `n` and `response_format` are the API's options). The images are \
            saved as new files under Switchboard's output folder and returned as links to those files \
            (and inline when small).
            """,
        method: "images.generate")

    static let edit = ImageTool(
        name: "edit_image", title: "Edit an image",
        summary: """
            Edit a local image (`image`: a path; a PNG for dall-e-2, or several files for gpt-image-1) as a \
            text `prompt` says, optionally only where a `mask` PNG is transparent. The results are saved as \
            new files under Switchboard's output folder and returned as links to those files (and inline \
            when small).
            """,
        method: "images.edit")

    func inputSchema(_ schemas: MethodSchemas) -> ObjectSchema {
        schemas.params(method).removing("output_dir")
    }

    func outputSchema(_ schemas: MethodSchemas) -> JSONValue { schemas.result(method) }

    func call(_ arguments: Params, context: ToolContext) async throws(ResponseError) -> ToolResult {
        try context.refuseOutputLocations(arguments, "output_dir")
        _ = try arguments.requireString("prompt")
        var params = arguments.object
        params["output_dir"] = .string(try context.outputFolder.newCallFolder(tool: name).path)
        let result = try await context.call(method, params)
        var content: [ContentBlock] = []
        var items = result["data"]?.arrayValue ?? []
        for (index, item) in items.enumerated() {
            var lines = ["Image \(index + 1)"]
            if let revised = item["revised_prompt"]?.stringValue { lines.append("revised prompt: \(revised)") }
            if let url = item["url"]?.stringValue { lines.append("URL (expires): \(url)") }
            content.append(.text(lines.joined(separator: "\n")))
            if let path = item["path"]?.stringValue, context.outputFolder.contains(path) {
                let url = URL(fileURLWithPath: path)
                let size = SavedFile.size(atPath: path)
                let file = SavedFile(url: url, mimeType: SavedFileType.of(url), bytes: size)
                content += file.blocks(inlineAs: { ContentBlock.image($0, mimeType: $1) }, inlineLimit: context.inlineLimit)
            }
            items[index]["b64_json"] = nil
        }
        if content.isEmpty { content = [.text("The API answered with no images.")] }
        var structured = result.objectValue ?? JSONObject()
        structured["data"] = .array(items)
        context.log(.info, "\(items.count) image(s) saved")
        return ToolResult(content, structured: .object(structured))
    }
}
