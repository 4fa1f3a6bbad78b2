import FoundationEssentials
import JSONRPC
import Upstream

/// A call about one stored response (`responses.get`, `.cancel`, `.delete`): `/responses/{id}`
/// and what follows it, the answer read as JSON.
enum StoredResponse {
    /// Sends `method` to `responses/{response_id}` + `suffix` and returns the upstream's JSON.
    /// `include` (responses.get: the extra output to fetch, such as
    /// `message.output_text.logprobs`) goes in the query string as repeated `include[]`.
    static func send(_ method: String, suffix: String = "", _ params: Params, context: RequestContext) async throws -> JSONValue {
        let id = try params.requireString("response_id")
        guard !id.isEmpty, !id.contains("/"), id != ".", id != ".." else {
            throw ResponseError.invalidParams(field: "response_id", "must be a response id (resp_…), without \"/\"")
        }
        let target = try await context.target(try context.settings(profile: try params.string("profile")))
        let path = "responses/\(id)" + suffix
        let query = (try params.strings("include") ?? []).map { (name: "include[]", value: $0) }
        let call = try await context.send({ target.request(method, path, query: query) }, target: target)
        return try await UpstreamJSON.read(call, secrets: context.secrets)
    }
}
