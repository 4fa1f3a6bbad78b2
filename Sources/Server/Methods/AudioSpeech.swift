import FoundationEssentials
import JSONRPC
import Upstream

/// `audio.speech`: POST /audio/speech (text to speech). The JSON body is the params passed
/// through (`model` defaults to `tts-1`; `input` and `voice` are required). The audio is streamed
/// chunk by chunk to `output_path`, atomically, giving `{path, bytes, content_type}`; without
/// `output_path` it comes back as `{audio_base64, bytes, content_type}`, at most `max_file_bytes`.
struct AudioSpeech: RPCMethod {
    static let name = "audio.speech"
    static let execution = Execution.concurrent
    static let defaultModel = "tts-1"

    func call(_ params: Params, context: RequestContext) async throws -> JSONValue {
        let settings = try context.settings(profile: try params.string("profile"))
        _ = try params.requireString("input")
        guard let voice = params["voice"], voice.stringValue != nil || voice.objectValue != nil else {
            throw ResponseError.invalidParams(field: "voice", "is required: a voice name such as \"alloy\" (or a voice object)")
        }
        let output = try params.string("output_path").map { reference throws(ResponseError) in
            try OutputLocation.file(reference, field: "output_path")
        }
        var body = params.object
        body["profile"] = nil
        body["output_path"] = nil
        if try params.string("model") == nil { body["model"] = .string(Self.defaultModel) }
        let target = try await context.target(settings)
        // Created before the request, so that an unwritable destination costs no API call.
        let writer = try output.map { url throws(ResponseError) in try AtomicFileWriter(destination: url, field: "output_path") }
        defer { writer?.discard() }
        let payload = Data(JSONValue.object(body).serialized())
        let call = try await context.send({ target.request("POST", "audio/speech", body: payload, accept: "*/*") }, target: target)
        try await Self.refuseJSON(call, secrets: context.secrets)
        let contentType = call.contentType ?? UploadContentType.fallback
        guard let writer else {
            let audio = try await call.collectBody(limit: settings.maxFileBytes,
                                                   what: "audio (max_file_bytes; give output_path to save it to a file)")
            return ["audio_base64": .string(audio.base64EncodedString()), "bytes": .number(audio.count), "content_type": .string(contentType)]
        }
        try await writer.commit(call.body)
        return ["path": .string(writer.destination.path), "bytes": .number(writer.bytesWritten), "content_type": .string(contentType)]
    }

    /// A 200 answer in JSON is not audio: a relay's error, or a server that does not speak.
    private static func refuseJSON(_ call: UpstreamCall, secrets: Secrets) async throws {
        guard call.contentType?.lowercased().contains("json") == true else { return }
        let body = try await call.collectBody(limit: UpstreamCall.maxErrorBodyBytes)
        _ = try UpstreamJSON.parse(body, contentType: call.contentType, secrets: secrets)
        throw UpstreamError.badResponse(reason: "the upstream answered with JSON instead of audio: \(secrets.excerpt(String(decoding: body, as: UTF8.self), limit: 200))",
                                        upstreamError: nil)
    }
}
