import FoundationEssentials
import HTTP
import JSONRPC
import Upstream

/// `api.request`: any endpoint below `base_url` that no other method covers (Files, Batch,
/// moderations, vector stores, a relay's own extras), with the same key, retries, time limits,
/// size limits and scrubbing as every method.
///
/// Params: `method` (GET, POST, PUT, PATCH, DELETE, HEAD), `path` relative to `base_url` (see
/// `APIPath`), `query?`, a JSON `body?` or a multipart `form?` (local files streamed from disk,
/// see `APIForm`), `headers?`, `stream?` (relay an SSE answer as `api.event`, see
/// `APIEventStream`), `output_path?` (save the body to a file) and `profile?`. The result is
/// `{status, headers, …body}` (see `APIAnswer`); an error status is -32001 as for every method.
struct APIRequest: RPCMethod {
    static let name = "api.request"
    static let execution = Execution.concurrent
    static let methods: Set<String> = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"]
    /// Every param there is: the API's own fields go in `body`, `form` or `query`, so anything
    /// else is a mistake (a misspelt `body` would otherwise send an empty request).
    static let params: Set<String> = ["method", "path", "query", "body", "form", "headers", "stream", "output_path", "profile"]

    func call(_ params: Params, context: RequestContext) async throws -> JSONValue {
        if let unknown = params.object.keys.first(where: { !Self.params.contains($0) }) {
            throw ResponseError.invalidParams(field: unknown, "is not a param of api.request (the API's fields go in body, form or query)")
        }
        let settings = try context.settings(profile: try params.string("profile"))
        let method = try params.requireString("method").uppercased()
        guard Self.methods.contains(method) else {
            throw ResponseError.invalidParams(field: "method", "must be GET, POST, PUT, PATCH, DELETE or HEAD, got \"\(method)\"")
        }
        let path = try APIPath.relative(try params.requireString("path"))
        let query = try APIPath.query(params["query"])
        let headers = try APIPath.headers(params["headers"])
        let streaming = try params.bool("stream") ?? false
        let body = params["body"].flatMap { $0.isNull ? nil : $0 }
        let form = try params.objectValue("form")
        if body != nil || form != nil {
            if body != nil && form != nil { throw ResponseError.invalidParams(field: "form", "cannot be combined with body: give one") }
            if method == "GET" || method == "HEAD" {
                throw ResponseError.invalidParams(field: body != nil ? "body" : "form", "cannot be sent with \(method)")
            }
        }
        let output = try params.string("output_path").map { reference throws(ResponseError) in
            try OutputLocation.file(reference, field: "output_path")
        }
        if output != nil && streaming { throw ResponseError.invalidParams(field: "output_path", "cannot be combined with stream") }
        let target = try await context.target(settings)
        // Created before the request, so that an unwritable destination costs no API call.
        let writer = try output.map { url throws(ResponseError) in try AtomicFileWriter(destination: url, field: "output_path") }
        defer { writer?.discard() }
        let accept = streaming ? "text/event-stream" : "application/json"
        let read = { (call: UpstreamCall) async throws -> JSONValue in
            try await Self.answer(call, streaming: streaming, writer: writer, settings: settings, context: context, target: target)
        }
        if let form {
            var upload = UploadForm(reads: context.localReads(settings))
            try APIForm.add(form, to: &upload)
            return try await upload.send(to: path, method: method, query: query, headers: headers, target: target, context: context,
                                         accept: accept, streaming: streaming, read: read)
        }
        let payload = body.map { Data($0.serialized()) }
        let call = try await context.send({
            var request = target.request(method, path, query: query, body: payload, accept: accept)
            for (name, value) in headers { request.setHeader(name, value) }
            return request
        }, target: target, streaming: streaming)
        return try await read(call)
    }

    /// The result for a successful answer: relayed as `api.event`s when it streams, else read whole.
    private static func answer(_ call: UpstreamCall, streaming: Bool, writer: AtomicFileWriter?, settings: Settings,
                               context: RequestContext, target: UpstreamTarget) async throws -> JSONValue {
        let isEventStream = call.contentType?.lowercased().contains("text/event-stream") ?? false
        guard streaming, isEventStream else {
            return try await APIAnswer.read(call, writer: writer, settings: settings, secrets: context.secrets)
        }
        var handler = APIEventStream(context: context, head: APIAnswer.head(call, secrets: context.secrets))
        return try await StreamRelay(context: context, target: target).relay(call, &handler)
    }
}
