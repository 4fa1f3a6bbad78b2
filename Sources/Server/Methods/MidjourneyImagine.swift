import JSONRPC

/// `midjourney.imagine`: POST /mj/submit/imagine `{prompt, base64Array?, botType?, notifyHook?,
/// state?}`; `images` adds local reference images to `base64Array`.
struct MidjourneyImagine: MidjourneySubmitMethod {
    static let name = "midjourney.imagine"
    static let endpoint = "imagine"

    func body(_ params: Params, passthrough: JSONObject, reads: LocalReads) throws(ResponseError) -> JSONObject {
        var body = passthrough
        body["images"] = nil
        _ = try params.requireString("prompt")
        let images = try MidjourneyImages.base64Array(params, reads: reads)
        if !images.isEmpty { body["base64Array"] = .array(images.map(JSONValue.string)) }
        return body
    }
}
