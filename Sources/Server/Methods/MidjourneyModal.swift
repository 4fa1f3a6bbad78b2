import JSONRPC

/// `midjourney.modal`: POST /mj/submit/modal `{taskId, prompt?, maskBase64?}`, the input a task
/// stopped at status MODAL waits for (Vary (Region)'s mask and prompt, a custom zoom's prompt):
/// `midjourney.action` on such a button answers a task that stops there, and this continues it.
/// The mask is a data URL in `maskBase64` or a local image file in `mask` (read and inlined).
struct MidjourneyModal: MidjourneySubmitMethod {
    static let name = "midjourney.modal"
    static let endpoint = "modal"

    func body(_ params: Params, passthrough: JSONObject, reads: LocalReads) throws(ResponseError) -> JSONObject {
        _ = try params.requireString("taskId")
        _ = try params.string("prompt")
        var body = passthrough
        body["mask"] = nil
        if let mask = try MidjourneyImages.oneImage(params, file: "mask", dataURL: "maskBase64", reads: reads) {
            body["maskBase64"] = .string(mask)
        }
        return body
    }
}
