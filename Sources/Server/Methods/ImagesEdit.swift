import FoundationEssentials
import JSONRPC
import Upstream

/// `images.edit`: POST /images/edits as multipart/form-data. `image` is one local file (sent as
/// the part `image`, as dall-e-2 expects) or an array of them (sent as repeated `image[]` parts,
/// as gpt-image-1 accepts); `mask` is an optional local file; `prompt` is required; every other
/// scalar param is a text part. `output_dir` saves the images as `images.generate` does.
struct ImagesEdit: RPCMethod {
    static let name = "images.edit"
    static let execution = Execution.concurrent
    /// Params that are not sent as plain text parts.
    static let handled: Set<String> = ["image", "mask", "profile", "output_dir"]

    func call(_ params: Params, context: RequestContext) async throws -> JSONValue {
        let settings = try context.settings(profile: try params.string("profile"))
        _ = try params.requireString("prompt")
        var form = UploadForm(reads: context.localReads(settings))
        try form.addFields(params.object, excluding: Self.handled)
        if let single = params["image"]?.stringValue {
            try Self.add(single, name: "image", field: "image", to: &form)
        } else if let several = try params.strings("image"), !several.isEmpty {
            for (index, reference) in several.enumerated() {
                try Self.add(reference, name: "image[]", field: "image.\(index)", to: &form)
            }
        } else {
            throw ResponseError.invalidParams(field: "image", "is required: a local image file, or an array of them")
        }
        if let mask = try params.string("mask") {
            try Self.add(mask, name: "mask", field: "mask", to: &form)
        }
        let directory = try params.string("output_dir").map { reference throws(ResponseError) in
            try OutputLocation.directory(reference, field: "output_dir")
        }
        let target = try await context.target(settings)
        let result = try await form.send(to: "images/edits", target: target, context: context) { call in
            try await UpstreamJSON.read(call, secrets: context.secrets)
        }
        guard let directory else { return result }
        return try await ImageSaver(directory: directory, target: target, context: context, maxBytes: settings.maxFileBytes).save(result)
    }

    /// Adds one image file, its type sniffed from its bytes (PNG, JPEG, GIF, WebP; else
    /// application/octet-stream, left for the upstream to judge).
    private static func add(_ reference: String, name: String, field: String, to form: inout UploadForm) throws(ResponseError) {
        let file = try form.file(reference, field: field)
        form.add(file, name: name, contentType: ImageFormat.imageType(of: try file.head()) ?? UploadContentType.fallback)
    }
}
