import Primitives
import JSONRPC
import Upstream

/// `responses.create`: POST /responses (the Responses API) with every field passed through
/// (`model` defaults to `default_model`; local image paths in `input_image` parts are inlined as
/// data URLs). Without streaming the result is the upstream's `response` object. With
/// `stream: true` every event is relayed in order as a `responses.event` notification and the
/// result is the final `response` object (`ResponsesStream`).
struct ResponsesCreate: RPCMethod {
    static let name = "responses.create"
    static let execution = Execution.concurrent

    func call(_ params: Params, context: RequestContext) async throws -> JSONValue {
        let settings = try context.settings(profile: try params.string("profile"))
        _ = try params.bool("stream")
        var body = params.object
        body["profile"] = nil
        body["model"] = .string(try params.string("model") ?? settings.defaultModel)
        switch params["input"] {
        case .array(let items)?:
            var reads = context.localReads(settings)
            body["input"] = .array(try await BlockingIO.run { () throws(ResponseError) in try ContentInliner.inlineResponsesInput(items, reads: &reads) })
        case .string?, .null?, nil:
            break
        case let other?:
            throw ResponseError.invalidParams(field: "input", "must be a string or an array of input items, got \(other.typeName)")
        }
        return try await StreamRelay(context: context, target: try await context.target(settings))
            .post("responses", body: body, handler: ResponsesStream(context: context))
    }
}
