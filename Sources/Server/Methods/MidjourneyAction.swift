import JSONRPC

/// `midjourney.action`: POST /mj/submit/action `{taskId, customId}`, pressing one of a finished
/// task's buttons (its `customId` comes from the task's `buttons`).
struct MidjourneyAction: MidjourneySubmitMethod {
    static let name = "midjourney.action"
    static let endpoint = "action"

    func body(_ params: Params, passthrough: JSONObject, reads: LocalReads) throws(ResponseError) -> JSONObject {
        _ = try params.requireString("taskId")
        _ = try params.requireString("customId")
        return passthrough
    }
}
