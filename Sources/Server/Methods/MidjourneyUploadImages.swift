import Primitives
import JSONRPC
import Upstream

/// `midjourney.uploadImages`: POST /mj/submit/upload-discord-images `{base64Array, filter?}`,
/// images (data URLs in `base64Array` and/or local files in `images`, read and inlined) uploaded
/// to the relay's Discord channel, for use as reference images by URL in a prompt. Not a task: the
/// relay answers `{code, description, result: [url, …]}`, and the result is `{urls, code,
/// description}`; a code other than 1 is -32007 like a refused submit.
struct MidjourneyUploadImages: RPCMethod {
    static let name = "midjourney.uploadImages"
    static let execution = Execution.concurrent

    func call(_ params: Params, context: RequestContext) async throws -> JSONValue {
        let request = try await MidjourneyRequest(params, context: context)
        var body = MidjourneyRequest.passthrough(params, removing: ["images"])
        let reads = context.localReads(request.settings)
        let images = try await BlockingIO.run { () throws(ResponseError) in try MidjourneyImages.base64Array(params, reads: reads) }
        guard !images.isEmpty else {
            throw ResponseError.invalidParams(field: "images", "is required: at least one image (local files in images, or data URLs in base64Array)")
        }
        body["base64Array"] = .array(images.map(JSONValue.string))
        let reply = try await request.send("POST", "mj/submit/upload-discord-images", body: body)
        let answer = try MidjourneySubmitAnswer(reply, secrets: context.secrets)
        guard answer.code == 1 else { throw answer.failure(secrets: context.secrets) }
        guard let urls = reply["result"]?.arrayValue, urls.allSatisfy({ $0.stringValue != nil }) else {
            throw UpstreamError.badResponse(reason: "the relay accepted the upload but sent no list of URLs in `result`: "
                                            + context.secrets.excerpt(reply.jsonText, limit: 300), upstreamError: nil)
        }
        return .object(JSONObject([("urls", .array(urls)), ("code", .number(answer.code)), ("description", .string(answer.description))]))
    }
}
