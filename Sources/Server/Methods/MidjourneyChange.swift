import JSONRPC

/// `midjourney.change`: POST /mj/submit/change `{taskId, action: UPSCALE|VARIATION|REROLL, index}`;
/// `index` (1–4, the image in the grid) is required except for REROLL.
struct MidjourneyChange: MidjourneySubmitMethod {
    static let name = "midjourney.change"
    static let endpoint = "change"
    static let actions = ["UPSCALE", "VARIATION", "REROLL"]

    func body(_ params: Params, passthrough: JSONObject, reads: LocalReads) throws(ResponseError) -> JSONObject {
        _ = try params.requireString("taskId")
        let action = try params.requireString("action")
        guard Self.actions.contains(action) else {
            throw .invalidParams(field: "action", "must be \"UPSCALE\", \"VARIATION\" or \"REROLL\", got \"\(action)\"")
        }
        let index = try params.int("index")
        if let index, !(1...4).contains(index) { throw .invalidParams(field: "index", "must be 1, 2, 3 or 4, got \(index)") }
        if index == nil, action != "REROLL" { throw .invalidParams(field: "index", "is required for \(action) (1–4, the image in the grid)") }
        return passthrough
    }
}
