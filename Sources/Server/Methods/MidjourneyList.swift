import JSONRPC

/// `midjourney.list`: POST /mj/task/list-by-condition `{ids}` (other conditions pass through);
/// the result is the relay's array of task objects, unchanged.
struct MidjourneyList: RPCMethod {
    static let name = "midjourney.list"
    static let execution = Execution.concurrent

    func call(_ params: Params, context: RequestContext) async throws -> JSONValue {
        guard try params.strings("ids") != nil else { throw ResponseError.invalidParams(field: "ids", "is required (an array of task ids)") }
        let request = try await MidjourneyRequest(params, context: context)
        return try await request.send("POST", "mj/task/list-by-condition", body: MidjourneyRequest.passthrough(params))
    }
}
