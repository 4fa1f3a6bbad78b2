import JSONRPC

/// `midjourney.fetch`: GET /mj/task/{id}/fetch; the result is the relay's task object, unchanged.
struct MidjourneyFetch: RPCMethod {
    static let name = "midjourney.fetch"
    static let execution = Execution.concurrent

    func call(_ params: Params, context: RequestContext) async throws -> JSONValue {
        let id = try params.requireString("id")
        if let problem = MidjourneyTaskID.problem(id) { throw ResponseError.invalidParams(field: "id", "must be a task id: \(problem)") }
        return try await MidjourneyRequest(params, context: context).send("GET", "mj/task/\(id)/fetch")
    }
}
