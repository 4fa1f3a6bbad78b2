import FoundationEssentials
import JSONRPC

/// `text_to_speech`: `audio.speech` with `output_path` set to a new file under the output folder.
/// The result is text naming the file (with its link) first, then the `resource_link`, then the
/// audio itself when small, as an embedded `resource` rather than `audio` content, which
/// LangChain's MCP adapter cannot convert (it then fails the whole call): a host that reads only
/// text has the file, and every host can take the bytes.
struct TextToSpeechTool: Tool {
    let name = "text_to_speech"
    let title = "Speak text aloud"
    let summary = """
        Turn text (`input`, up to 4096 characters) into speech with the API's text-to-speech model (tts-1 by \
        default) in a `voice` such as alloy, echo, fable, onyx, nova or shimmer. The audio (`response_format`: \
        mp3 by default, or opus, aac, flac, wav, pcm) is saved as a new file under Switchboard's output folder \
        and returned as a link to it (and inline when small).
        """
    let annotations = ToolAnnotations(readOnly: false)

    func inputSchema(_ schemas: MethodSchemas) -> ObjectSchema {
        schemas.params("audio.speech").removing("output_path")
    }

    func outputSchema(_ schemas: MethodSchemas) -> JSONValue { schemas.result("audio.speech") }

    func call(_ arguments: Params, context: ToolContext) async throws(ResponseError) -> ToolResult {
        try context.refuseOutputLocations(arguments, "output_path")
        _ = try arguments.requireString("input")
        let format = try arguments.string("response_format") ?? "mp3"
        let fileExtension = format.lowercased().filter { $0.isASCII && ($0.isLetter || $0.isNumber) }
        let folder = try context.outputFolder.newCallFolder(tool: name)
        var params = arguments.object
        params["output_path"] = .string(folder.appendingPathComponent("speech.\(fileExtension.isEmpty ? "audio" : fileExtension)").path)
        let result = try await context.call("audio.speech", params)
        let url = URL(fileURLWithPath: result["path"]?.stringValue ?? "")
        let contentType = result["content_type"]?.stringValue.map(SavedFileType.essence) ?? SavedFileType.of(url)
        let file = SavedFile(url: url, mimeType: contentType, bytes: result["bytes"]?.intValue ?? 0)
        context.log(.info, "saved \(file.bytes) bytes of \(contentType)")
        let blocks = file.blocks(inlineAs: { data, _ in ContentBlock.embedded(file, data) }, inlineLimit: context.inlineLimit, linkFirst: true)
        return ToolResult([.text("Saved the speech as \(file.summary)")] + blocks, structured: result)
    }
}
