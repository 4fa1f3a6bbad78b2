import FoundationEssentials
import JSONRPC
import Upstream

/// `embeddings.create`: POST /embeddings with every field passed through (`model` defaults to
/// config `embedding_model`); the result is the upstream's list object, unchanged.
struct EmbeddingsCreate: RPCMethod {
    static let name = "embeddings.create"
    static let execution = Execution.concurrent

    func call(_ params: Params, context: RequestContext) async throws -> JSONValue {
        let settings = try context.settings(profile: try params.string("profile"))
        try Self.checkInput(params["input"])
        var body = params.object
        body["profile"] = nil
        if try params.string("model") == nil { body["model"] = .string(settings.embeddingModel) }
        let target = try await context.target(settings)
        let payload = Data(JSONValue.object(body).serialized())
        let call = try await context.send({ target.request("POST", "embeddings", body: payload) }, target: target)
        return try await UpstreamJSON.read(call, secrets: context.secrets, limit: UpstreamJSON.maxEmbeddingsBytes)
    }

    /// `input` is a string, an array of strings, an array of token ids (integers) or an array of
    /// token-id arrays, every element of one kind. Lengths and limits are the upstream's to judge.
    /// `completions.create` checks its `prompt` the same way (`field`).
    static func checkInput(_ input: JSONValue?, field: String = "input") throws(ResponseError) {
        let kinds = "a string, an array of strings, an array of token ids or an array of token-id arrays"
        guard let input, !input.isNull else { throw .invalidParams(field: field, "is required: \(kinds)") }
        if input.stringValue != nil { return }
        guard let items = input.arrayValue else { throw .invalidParams(field: field, "must be \(kinds), got \(input.typeName)") }
        let elementKinds: [(name: String, matches: (JSONValue) -> Bool)] = [
            ("a string", { $0.stringValue != nil }),
            ("a token id (an integer)", { $0.intValue != nil }),
            ("an array of token ids", { $0.arrayValue?.allSatisfy { $0.intValue != nil } == true }),
        ]
        guard let first = items.first else { return }
        guard let kind = elementKinds.first(where: { $0.matches(first) }) else {
            throw .invalidParams(field: "\(field).0", "must be a string, a token id (an integer) or an array of token ids, got \(first.typeName)")
        }
        if let index = items.firstIndex(where: { !kind.matches($0) }) {
            throw .invalidParams(field: "\(field).\(index)", "must be \(kind.name) like \(field).0 (the elements of \(field) are all of one kind)")
        }
    }
}
