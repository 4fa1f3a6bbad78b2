import JSONRPC

/// `midjourney.describe`: POST /mj/submit/describe `{base64}`; the image is a data URL in `base64`
/// or a local file in `image` (read and inlined).
struct MidjourneyDescribe: MidjourneySubmitMethod {
    static let name = "midjourney.describe"
    static let endpoint = "describe"

    func body(_ params: Params, passthrough: JSONObject, reads: LocalReads) throws(ResponseError) -> JSONObject {
        var body = passthrough
        body["image"] = nil
        body["base64"] = .string(try MidjourneyImages.requiredImage(params, file: "image", dataURL: "base64", reads: reads))
        return body
    }
}
