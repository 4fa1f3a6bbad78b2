import JSONRPC

/// `audio.translate`: POST /audio/translations, uploading the local audio file `file` as
/// multipart/form-data; the text is always English, so `language` is refused. See `AudioTextRequest`.
struct AudioTranslate: RPCMethod {
    static let name = "audio.translate"
    static let execution = Execution.concurrent

    func call(_ params: Params, context: RequestContext) async throws -> JSONValue {
        try await AudioTextRequest(path: "audio/translations", acceptsLanguage: false, method: Self.name).run(params, context: context)
    }
}
