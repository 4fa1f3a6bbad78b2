import FoundationEssentials
import JSONRPC
import Upstream

/// `models.list`: the upstream's `GET /models` answer, unchanged.
struct ModelsList: RPCMethod {
    static let name = "models.list"
    static let execution = Execution.concurrent

    func call(_ params: Params, context: RequestContext) async throws -> JSONValue {
        let target = try await context.target(try context.settings(profile: try params.string("profile")))
        let call = try await context.send({ target.request("GET", "models") }, target: target)
        return try await UpstreamJSON.read(call, secrets: context.secrets)
    }
}
