import Primitives
import JSONRPC

/// A MidJourney submit method: `POST /mj/submit/<endpoint>` (or another `path`) with the params
/// passed through in the relay's own camelCase spelling, then, with `wait: true`, polling until
/// the task ends.
///
/// Conformers only say which endpoint they use and how their body is built; sending, reading the
/// submit answer and waiting are the same for all of them.
protocol MidjourneySubmitMethod: RPCMethod {
    /// The last path segment: `imagine` for `/mj/submit/imagine`.
    static var endpoint: String { get }
    /// The path below the MidJourney root; `mj/submit/<endpoint>` unless a method says otherwise.
    static var path: String { get }

    /// The relay's request body, checked.
    /// - Parameter passthrough: the params minus Switchboard's own (`profile`, `mode`, `wait`,
    ///   `poll_interval_seconds`).
    /// - Parameter reads: the local image files the body may read.
    func body(_ params: Params, passthrough: JSONObject, reads: LocalReads) throws(ResponseError) -> JSONObject
}

extension MidjourneySubmitMethod {
    static var path: String { "mj/submit/\(endpoint)" }
    /// Submits run concurrently, cancellable, as every upstream call does.
    static var execution: Execution { .concurrent }

    func call(_ params: Params, context: RequestContext) async throws -> JSONValue {
        let started = ContinuousClock.now
        let request = try await MidjourneyRequest(params, context: context)
        let wait = try params.bool("wait") ?? false
        let interval = try MidjourneyTaskWaiter.interval(params)
        let reads = context.localReads(request.settings)
        // The body may inline local image files: read on the blocking-I/O threads.
        let body = try await BlockingIO.run { () throws(ResponseError) in
            try self.body(params, passthrough: MidjourneyRequest.passthrough(params), reads: reads)
        }
        let answer = try MidjourneySubmitAnswer(try await request.send("POST", Self.path, body: body),
                                                secrets: context.secrets)
        guard answer.isAccepted else { throw answer.failure(secrets: context.secrets) }
        let taskID = try answer.acceptedTaskID(secrets: context.secrets)
        guard wait else { return answer.result(taskID: taskID) }
        let deadline = started + .milliseconds(Int(request.settings.timeoutSeconds * 1000))
        return try await MidjourneyTaskWaiter(request: request, interval: interval, deadline: deadline).wait(for: taskID)
    }
}
