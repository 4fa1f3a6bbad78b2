import FoundationEssentials
import JSONRPC
import Upstream

/// The shared body of `audio.transcribe` and `audio.translate`: a local audio file uploaded as
/// multipart/form-data with the params as text parts, and the answer as JSON or plain text, or,
/// with `stream: true` and an event-stream answer, relayed as `audio.delta` notifications
/// (`TranscriptionStream`).
struct AudioTextRequest {
    static let defaultModel = "whisper-1"
    /// Params that are not sent as plain text parts.
    static let handled: Set<String> = ["file", "model", "profile", "timestamp_granularities"]

    /// The API path, `audio/transcriptions` or `audio/translations`.
    let path: String
    /// Whether `language` is accepted (translations always produce English).
    let acceptsLanguage: Bool
    /// The method's name, for errors.
    let method: String

    func run(_ params: Params, context: RequestContext) async throws -> JSONValue {
        let settings = try context.settings(profile: try params.string("profile"))
        var form = UploadForm(reads: context.localReads(settings))
        let file = try form.file(try params.requireString("file"), field: "file")
        if !acceptsLanguage, let language = params["language"], !language.isNull {
            throw ResponseError.invalidParams(field: "language", "is not accepted by \(method): it always produces English text (use audio.transcribe)")
        }
        try form.add(name: "model", value: .string(try params.string("model") ?? Self.defaultModel), field: "model")
        try form.addFields(params.object, excluding: Self.handled)
        for granularity in try params.strings("timestamp_granularities") ?? [] {
            try form.add(name: "timestamp_granularities[]", value: .string(granularity), field: "timestamp_granularities")
        }
        form.add(file, name: "file")
        let streaming = try params.bool("stream") ?? false
        let target = try await context.target(settings)
        return try await form.send(to: path, target: target, context: context, accept: streaming ? "text/event-stream" : "application/json",
                                   streaming: streaming) { call in
            guard streaming, call.contentType?.lowercased().contains("text/event-stream") == true else {
                return try await Self.result(call, secrets: context.secrets, format: try params.string("response_format"))
            }
            var stream = TranscriptionStream(context: context)
            return try await StreamRelay(context: context, target: target).relay(call, &stream)
        }
    }

    /// JSON answers (`json`, `verbose_json`) are the upstream's object; plain-text ones (`text`,
    /// `srt`, `vtt`) become `{text}`. The content type decides, the requested format breaks ties.
    static func result(_ call: UpstreamCall, secrets: Secrets, format: String?) async throws -> JSONValue {
        let body = try await call.collectBody(limit: UpstreamJSON.maxBytes)
        let jsonType = call.contentType?.lowercased().contains("json") == true
        let textFormat = ["text", "srt", "vtt"].contains(format ?? "json")
        if jsonType || !textFormat && call.contentType?.lowercased().hasPrefix("text/") != true {
            return try UpstreamJSON.parse(body, contentType: call.contentType, secrets: secrets)
        }
        return ["text": .string(String(decoding: body, as: UTF8.self))]
    }
}
