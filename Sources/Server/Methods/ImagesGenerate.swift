import FoundationEssentials
import JSONRPC
import Upstream

/// `images.generate`: POST /images/generations with every field passed through (`prompt`
/// required). The result is the upstream's object; with `output_dir` the images are also saved
/// there and each `data` item gains `path` (see `ImageSaver`).
struct ImagesGenerate: RPCMethod {
    static let name = "images.generate"
    static let execution = Execution.concurrent

    func call(_ params: Params, context: RequestContext) async throws -> JSONValue {
        let settings = try context.settings(profile: try params.string("profile"))
        _ = try params.requireString("prompt")
        let directory = try params.string("output_dir").map { reference throws(ResponseError) in
            try OutputLocation.directory(reference, field: "output_dir")
        }
        var body = params.object
        body["profile"] = nil
        body["output_dir"] = nil
        let target = try await context.target(settings)
        let payload = Data(JSONValue.object(body).serialized())
        let call = try await context.send({ target.request("POST", "images/generations", body: payload) }, target: target)
        let result = try await UpstreamJSON.read(call, secrets: context.secrets)
        guard let directory else { return result }
        return try await ImageSaver(directory: directory, target: target, context: context, maxBytes: settings.maxFileBytes).save(result)
    }
}
