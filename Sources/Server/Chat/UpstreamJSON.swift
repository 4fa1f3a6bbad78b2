import FoundationEssentials
import JSONRPC
import Upstream

/// Reading a successful upstream answer as JSON.
enum UpstreamJSON {
    /// Largest JSON answer accepted (checked while reading): far above any chat answer, model list
    /// or task, low enough that a runaway body cannot take the machine's memory.
    static let maxBytes = 64 * 1024 * 1024
    /// Largest embeddings answer: 2,048 inputs of 3,072 dimensions written as JSON floats come to
    /// about 90 MB.
    static let maxEmbeddingsBytes = 256 * 1024 * 1024

    /// The body as a JSON object; a non-JSON body, or an `error` object inside a 200 (other than a
    /// Responses `response` object's own `error` field), is a bad response.
    /// - Parameter secrets: scrubbed from any upstream text quoted in an error.
    static func read(_ call: UpstreamCall, secrets: Secrets, limit: Int = maxBytes) async throws -> JSONValue {
        let body = try await call.collectBody(limit: limit, what: "JSON answer")
        return try parse(body, contentType: call.contentType, secrets: secrets)
    }

    static func parse(_ body: Data, contentType: String?, secrets: Secrets) throws -> JSONValue {
        guard let value = try? JSONParser.parse(Array(body)), value.objectValue != nil else {
            let kind = contentType.map { " (\($0))" } ?? ""
            let start = secrets.excerpt(String(decoding: body, as: UTF8.self), limit: 200)
            throw UpstreamError.badResponse(reason: "the upstream answered with a non-JSON body\(kind): \(start)", upstreamError: nil)
        }
        // A Responses `response` object has an `error` field of its own (why a response failed).
        if let error = value["error"], !error.isNull, value["object"] != "response" {
            let message = error["message"]?.stringValue ?? error.stringValue ?? "an error object"
            throw UpstreamError.badResponse(reason: "the upstream answered 200 with an error: \(message)", upstreamError: body)
        }
        return value
    }
}
