import FoundationEssentials
import JSONRPC
import HTTP
import Upstream

/// One MidJourney call's connection to the relay: its settings, the target rooted where the
/// relay serves MidJourney (see `MidjourneyRoute`), and the JSON exchange itself.
struct MidjourneyRequest {
    /// Params that steer Switchboard and are never sent to the relay.
    static let localParams = ["profile", "mode", "wait", "poll_interval_seconds"]

    let context: RequestContext
    let settings: Settings
    let target: UpstreamTarget

    init(_ params: Params, context: RequestContext) async throws {
        self.context = context
        settings = try context.settings(profile: try params.string("profile"))
        let mode = try MidjourneyRoute.mode(try params.string("mode"))
        var target = try await context.target(settings)
        target.baseURL = MidjourneyRoute.base(for: settings.baseURL, mode: mode)
        self.target = target
    }

    /// The params with the Switchboard-only ones (and `extra`) removed: what the relay receives.
    static func passthrough(_ params: Params, removing extra: [String] = []) -> JSONObject {
        var body = params.object
        for key in localParams + extra { body[key] = nil }
        return body
    }

    /// Sends one request and reads its JSON answer (an object, or an array for list calls).
    /// - Parameter timeout: a shorter limit than `timeout_seconds` for this one call.
    func send(_ method: String, _ path: String, body: JSONObject? = nil, timeout: Double? = nil) async throws -> JSONValue {
        var target = target
        if let timeout { target.timeouts.request = min(target.timeouts.request, timeout) }
        let payload = body.map { Data(JSONValue.object($0).serialized()) }
        let call = try await context.send({ [target] in target.request(method, path, body: payload) }, target: target)
        let data = try await call.collectBody(limit: UpstreamJSON.maxBytes)
        if let list = try? JSONParser.parse(Array(data)), list.arrayValue != nil { return list }
        return try UpstreamJSON.parse(data, contentType: call.contentType, secrets: context.secrets)
    }
}
