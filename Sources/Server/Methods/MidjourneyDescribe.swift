import JSONRPC
import Upstream

/// `midjourney.describe`: POST /mj/submit/describe `{base64}`; the image is a data URL in `base64`
/// or a local file in `image` (read and inlined).
struct MidjourneyDescribe: MidjourneySubmitMethod {
    static let name = "midjourney.describe"
    static let execution = Execution.concurrent
    static let endpoint = "describe"

    func body(_ params: Params, passthrough: JSONObject, settings: Settings) throws(ResponseError) -> JSONObject {
        var body = passthrough
        body["image"] = nil
        switch (try params.string("base64"), try params.string("image")) {
        case (_?, _?):
            throw .invalidParams(field: "image", "cannot be combined with base64: give one image")
        case (nil, let image?):
            var budget = FileBudget(settings)
            body["base64"] = .string(try MidjourneyImages.dataURL(image, field: "image", budget: &budget))
        case (_?, nil):
            break
        case (nil, nil):
            throw .invalidParams(field: "image", "is required (a local image file), or base64 (a data: URL)")
        }
        return body
    }
}
