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
        let kind = contentType.map { " (\($0))" } ?? ""
        let parsed: JSONValue?
        do {
            parsed = try JSONParser.parse(Array(body))
        } catch where error.isTooDeeplyNested {
            throw tooDeep("answer", kind: kind)
        } catch {
            parsed = nil
        }
        guard let value = parsed, value.objectValue != nil else {
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

    /// The error for JSON from the upstream (an `answer`, an `event`) that nests deeper than the
    /// parser goes.
    static func tooDeep(_ what: String, kind: String = "") -> UpstreamError {
        .badResponse(reason: "the upstream's JSON \(what)\(kind) is nested too deeply (more than \(JSONParser.maxDepth) levels)",
                     upstreamError: nil)
    }
}
