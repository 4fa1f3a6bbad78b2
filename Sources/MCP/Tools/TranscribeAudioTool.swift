import JSONRPC

/// `transcribe_audio`: `audio.transcribe` on a local audio file; the text content is the transcript.
struct TranscribeAudioTool: Tool {
    let name = "transcribe_audio"
    let title = "Transcribe a recording"
    let summary = """
        Transcribe a local audio file (`file`: a path to mp3, mp4/m4a, wav, webm, ogg or flac) to text with \
        the API's speech-to-text model (whisper-1 by default). `language` (ISO-639-1) and `prompt` help \
        accuracy; `response_format` may be json, verbose_json (with timings), text, srt or vtt.
        """
    let annotations = ToolAnnotations(readOnly: true)

    /// The method's params less `stream`: a tool answers whole (the streamed form's result is the same).
    func inputSchema(_ schemas: MethodSchemas) -> ObjectSchema { schemas.params("audio.transcribe").removing("stream") }

    func outputSchema(_ schemas: MethodSchemas) -> JSONValue { schemas.result("audio.transcribe") }

    func call(_ arguments: Params, context: ToolContext) async throws(ResponseError) -> ToolResult {
        let result = try await context.call("audio.transcribe", arguments.object)
        return ToolResult([.text(result["text"]?.stringValue ?? result.jsonText)], structured: result)
    }
}
