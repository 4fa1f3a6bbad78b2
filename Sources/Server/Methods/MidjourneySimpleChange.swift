import JSONRPC

/// `midjourney.simpleChange`: POST /mj/submit/simple-change `{content}`, a change written as
/// MidJourney's own shorthand: `"<taskId> U2"` (upscale image 2), `"<taskId> V3"` (a variation of
/// image 3) or `"<taskId> R"` (reroll).
struct MidjourneySimpleChange: MidjourneySubmitMethod {
    static let name = "midjourney.simpleChange"
    static let endpoint = "simple-change"
    static let changes = ["U1", "U2", "U3", "U4", "V1", "V2", "V3", "V4", "R"]

    func body(_ params: Params, passthrough: JSONObject, reads: LocalReads) throws(ResponseError) -> JSONObject {
        let content = try params.requireString("content")
        let words = content.split(separator: " ", omittingEmptySubsequences: true)
        guard words.count == 2, Self.changes.contains(String(words[1])) else {
            throw .invalidParams(field: "content", "must be \"<taskId> <change>\" with a change of U1–U4, V1–V4 or R, e.g. \"1712345678901234 U2\", got \"\(content)\"")
        }
        return passthrough
    }
}
