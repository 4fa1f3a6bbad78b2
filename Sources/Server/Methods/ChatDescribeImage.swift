import Primitives
import JSONRPC
import Upstream

/// `chat.describeImage`: asks a vision model about one or more images (paths or URLs).
/// Result `{text, completion}`. The request is adapted to the model's family (`ModelFamilyRules`)
/// unless the config's `model_rules` is false.
struct ChatDescribeImage: RPCMethod {
    static let name = "chat.describeImage"
    static let execution = Execution.concurrent
    static let defaultPrompt = "Describe this image."

    func call(_ params: Params, context: RequestContext) async throws -> JSONValue {
        let settings = try context.settings(profile: try params.string("profile"))
        let references = try imageReferences(params)
        let detail = try params.string("detail")
        if let detail, !["auto", "low", "high"].contains(detail) {
            throw ResponseError.invalidParams(field: "detail", "must be \"auto\", \"low\" or \"high\"")
        }
        var content: [JSONValue] = [["type": "text", "text": .string(try params.string("prompt") ?? Self.defaultPrompt)]]
        var reads = context.localReads(settings)
        let urls = try await BlockingIO.run { () throws(ResponseError) in
            try references.map { field, reference throws(ResponseError) in try FileReference.resolve(reference, field: field, reads: &reads) }
        }
        for url in urls {
            var image: JSONObject = ["url": .string(url)]
            if let detail { image["detail"] = .string(detail) }
            content.append(["type": "image_url", "image_url": .object(image)])
        }
        var messages: [JSONValue] = []
        if let system = try params.string("system") { messages.append(["role": "system", "content": .string(system)]) }
        messages.append(["role": "user", "content": .array(content)])
        var body: JSONObject = ["model": .string(try params.string("model") ?? settings.visionModel), "messages": .array(messages)]
        if let maxTokens = try params.int("max_tokens") { body["max_tokens"] = .number(maxTokens) }
        if let stream = try params.bool("stream") { body["stream"] = .bool(stream) }
        let relayWholeAnswer = settings.modelRules && ModelFamilyRules(model: body["model"]?.stringValue ?? "").apply(to: &body)
        let completion = try await ChatRunner(context: context, settings: settings).run(body, relayWholeAnswer: relayWholeAnswer)
        let text = completion["choices"]?.arrayValue?.first?["message"]?["content"]?.stringValue ?? ""
        return ["text": .string(text), "completion": completion]
    }

    /// `image` (one) or `images` (several), each with the field name errors should cite.
    private func imageReferences(_ params: Params) throws(ResponseError) -> [(String, String)] {
        var references: [(String, String)] = []
        if let image = try params.string("image") { references.append(("image", image)) }
        for (index, image) in (try params.strings("images") ?? []).enumerated() { references.append(("images.\(index)", image)) }
        guard !references.isEmpty else { throw .invalidParams(field: "image", "is required (a path, file://, http(s) or data: URL), or images") }
        return references
    }
}
