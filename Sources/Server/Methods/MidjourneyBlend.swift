import JSONRPC

/// `midjourney.blend`: POST /mj/submit/blend `{base64Array, dimensions?}` with 2–5 images, given as
/// data URLs in `base64Array` and/or local files in `images` (read and inlined).
struct MidjourneyBlend: MidjourneySubmitMethod {
    static let name = "midjourney.blend"
    static let endpoint = "blend"
    static let dimensions = ["PORTRAIT", "SQUARE", "LANDSCAPE"]

    func body(_ params: Params, passthrough: JSONObject, reads: LocalReads) throws(ResponseError) -> JSONObject {
        var body = passthrough
        body["images"] = nil
        let images = try MidjourneyImages.base64Array(params, reads: reads)
        guard (2...5).contains(images.count) else {
            throw .invalidParams(field: params["images"] == nil ? "base64Array" : "images",
                                 "must give 2 to 5 images in all (base64Array and images), got \(images.count)")
        }
        if let dimensions = try params.string("dimensions"), !Self.dimensions.contains(dimensions) {
            throw .invalidParams(field: "dimensions", "must be \"PORTRAIT\", \"SQUARE\" or \"LANDSCAPE\", got \"\(dimensions)\"")
        }
        body["base64Array"] = .array(images.map(JSONValue.string))
        return body
    }
}
