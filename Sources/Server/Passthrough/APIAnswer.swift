import FoundationEssentials
import JSONRPC
import Upstream

/// The result of a non-streamed `api.request`: `{status, headers}` plus the body in the form its
/// `Content-Type` calls for.
///
/// - JSON (`application/json`, `…+json`): `body` is the parsed value; a body that does not
///   parse is given as text.
/// - Text (`text/*`, XML, JavaScript, form-encoded): `body` is the text; bytes that are not
///   UTF-8 are given as base64 instead.
/// - Anything else: `body_base64` and `bytes`, at most `max_file_bytes` (-32004 beyond it: give
///   `output_path`).
/// - With `output_path`, whatever the type: the body is streamed to that file (atomically) and
///   the result has `path` and `bytes`.
/// - An empty body: `body` is null.
///
/// JSON and text are read up to the size of any JSON answer (`UpstreamJSON.maxBytes`), and
/// every secret the daemon knows is scrubbed from them. Headers come lowercased, in name order,
/// without `set-cookie`: the daemon keeps no cookies, and a session cookie is a credential.
enum APIAnswer {
    /// Response headers a client is not shown.
    static let hiddenHeaders: Set<String> = ["set-cookie", "set-cookie2"]

    /// `{status, headers}` of `call`.
    static func head(_ call: UpstreamCall, secrets: Secrets) -> JSONObject {
        let headers = call.headers.filter { !hiddenHeaders.contains($0.key) }.sorted { $0.key < $1.key }
            .map { ($0.key, JSONValue.string(secrets.scrub($0.value))) }
        return JSONObject([("status", .number(call.status)), ("headers", .object(JSONObject(headers)))])
    }

    /// Reads the whole body into the result (see the type's description).
    static func read(_ call: UpstreamCall, writer: AtomicFileWriter?, settings: Settings, secrets: Secrets) async throws -> JSONValue {
        var result = head(call, secrets: secrets)
        if let writer {
            try await writer.commit(call.body)
            result["path"] = .string(writer.destination.path)
            result["bytes"] = .number(writer.bytesWritten)
            return .object(result)
        }
        let type = call.contentType?.lowercased() ?? ""
        let isJSON = type.contains("json")
        let isText = type.hasPrefix("text/") || ["xml", "javascript", "x-www-form-urlencoded"].contains { type.contains($0) }
        guard isJSON || isText else {
            let bytes = try await call.collectBody(limit: settings.maxFileBytes, what: "binary body (max_file_bytes; give output_path to save it to a file)")
            return .object(binary(bytes, into: result))
        }
        let data = try await call.collectBody(limit: UpstreamJSON.maxBytes, what: "\(isJSON ? "JSON" : "text") body")
        if data.isEmpty {
            result["body"] = .null
        } else if isJSON, let value = try? JSONParser.parse(Array(data)) {
            result["body"] = secrets.scrub(value)
        } else if let text = String(data: data, encoding: .utf8) {
            result["body"] = .string(secrets.scrub(text))
        } else {
            result = binary(data, into: result)
        }
        return .object(result)
    }

    /// `result` with `bytes` as `body_base64` and `bytes`, or `body: null` when there are none.
    private static func binary(_ bytes: Data, into result: JSONObject) -> JSONObject {
        var result = result
        guard !bytes.isEmpty else {
            result["body"] = .null
            return result
        }
        result["body_base64"] = .string(bytes.base64EncodedString())
        result["bytes"] = .number(bytes.count)
        return result
    }
}
