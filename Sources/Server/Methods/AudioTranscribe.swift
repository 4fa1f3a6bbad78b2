import JSONRPC

/// `audio.transcribe`: POST /audio/transcriptions, uploading the local audio file `file` as
/// multipart/form-data (`model` defaults to `whisper-1`). See `AudioTextRequest`.
struct AudioTranscribe: RPCMethod {
    static let name = "audio.transcribe"
    static let execution = Execution.concurrent

    func call(_ params: Params, context: RequestContext) async throws -> JSONValue {
        try await AudioTextRequest(path: "audio/transcriptions", acceptsLanguage: true, method: Self.name).run(params, context: context)
    }
}
