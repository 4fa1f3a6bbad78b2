import JSONRPC

/// `midjourney.shorten`: POST /mj/submit/shorten `{prompt, botType?}`, MidJourney's analysis of a
/// prompt into shorter ones; the finished task's `description` (or `properties`) holds them.
struct MidjourneyShorten: MidjourneySubmitMethod {
    static let name = "midjourney.shorten"
    static let endpoint = "shorten"

    func body(_ params: Params, passthrough: JSONObject, reads: LocalReads) throws(ResponseError) -> JSONObject {
        _ = try params.requireString("prompt")
        return passthrough
    }
}
