import JSONRPC

/// `midjourney.swapFace`: POST /mj/insight-face/swap `{sourceBase64, targetBase64}`, the face of
/// the source image put on the target image (the relay's InsightFace service; a task like the
/// others). Each image is a data URL (`sourceBase64`, `targetBase64`) or a local image file
/// (`source`, `target`), read and inlined.
struct MidjourneySwapFace: MidjourneySubmitMethod {
    static let name = "midjourney.swapFace"
    static let endpoint = "swap"
    static let path = "mj/insight-face/swap"

    func body(_ params: Params, passthrough: JSONObject, reads: LocalReads) throws(ResponseError) -> JSONObject {
        var body = passthrough
        for (file, dataURL) in [("source", "sourceBase64"), ("target", "targetBase64")] {
            body[file] = nil
            body[dataURL] = .string(try MidjourneyImages.requiredImage(params, file: file, dataURL: dataURL, reads: reads))
        }
        return body
    }
}
