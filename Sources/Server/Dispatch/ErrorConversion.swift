import Primitives
import FoundationEssentials
import JSONRPC
import HTTP
import Upstream

extension CancelReason {
    /// The message of the error a request cancelled for this reason answers.
    var message: String {
        switch self {
        case .cancelled: "request cancelled"
        case .signal: "request cancelled: the daemon is stopping"
        case .clientGone: "request cancelled: the client closed its end of stdout"
        }
    }
}

/// The one place where any error a handler throws becomes a JSON-RPC error object.
enum ErrorConversion {
    /// The codes of errors that come from the upstream, which carry `data.attempts`.
    static let upstreamCodes: Set<ErrorCode> = [.upstreamHTTPError, .upstreamUnreachable, .upstreamTimeout, .upstreamBadResponse,
                                                .upstreamTaskFailed]

    /// - Parameter attempts: how many times the request's latest upstream call was sent (nil:
    ///   none was); an upstream error carries it as `data.attempts` (0 for none), and its message
    ///   says so when it was more than once, so that what a failure cost is visible.
    static func responseError(for error: any Error, cancelReason: CancelReason?, secrets: Secrets,
                              attempts: Int? = nil) -> ResponseError {
        var partial: JSONValue?
        var underlying = error
        if let carried = error as? PartialOutputError {
            partial = carried.partial
            underlying = carried.underlying
        }
        var response: ResponseError
        if let cancelReason {
            response = ResponseError(.requestCancelled, cancelReason.message,
                                     data: ["reason": .string(cancelReason.rawValue)])
        } else if underlying is CancellationError {
            response = ResponseError(.requestCancelled, "request cancelled", data: ["reason": "cancelled"])
        } else if let error = underlying as? ResponseError {
            response = error
        } else if let error = underlying as? UpstreamError {
            response = convert(error, secrets: secrets)
        } else {
            response = .internalError(String(describing: underlying))
        }
        if upstreamCodes.contains(response.code) {
            var data = response.data?.objectValue ?? JSONObject()
            data["attempts"] = .number(attempts ?? 0)
            response.data = .object(data)
            if let attempts, attempts > 1 { response.message += " (sent \(attempts) times)" }
        }
        if let partial {
            var data = response.data?.objectValue ?? JSONObject()
            data["partial"] = partial
            response.data = .object(data)
        }
        response.message = secrets.scrub(response.message)
        response.data = response.data.map { secrets.scrub($0) }
        return response
    }

    /// - Parameter secrets: scrubbed from the upstream's text before it is shortened, so that a
    ///   cut can never leave part of a key behind.
    static func convert(_ error: UpstreamError, secrets: Secrets) -> ResponseError {
        switch error {
        case .http(let status, let contentType, let body, let retryAfter, _):
            return httpError(status: status, contentType: contentType, body: Data(secrets.scrub(String(decoding: body, as: UTF8.self)).utf8),
                             retryAfter: retryAfter)
        case .unreachable(let reason):
            return ResponseError(.upstreamUnreachable, "cannot reach the upstream: \(reason)", data: ["reason": .string(reason)])
        case .unavailable(let reason):
            return ResponseError(.upstreamUnreachable, "cannot reach the upstream: \(reason) (not retried: trying again cannot help)",
                                 data: ["reason": .string(reason)])
        case .timeout(let kind, let seconds):
            let message = switch kind {
            case .idle: "upstream timed out: no data for \(format(seconds)) s once the answer had started (idle_timeout_seconds)"
            case .firstByte: "upstream timed out: no first byte of the answer within \(format(seconds)) s (first_byte_timeout_seconds)"
            case .request: "upstream timed out: the request took longer than \(format(seconds)) s (timeout_seconds)"
            }
            return ResponseError(.upstreamTimeout, message,
                                 data: ["kind": .string(kind.rawValue), "timeout_seconds": .number(seconds)])
        case .badResponse(let reason, let upstreamError):
            var data: JSONObject = ["reason": .string(reason)]
            if let upstreamError, let parsed = try? JSONParser.parse(Array(upstreamError)) {
                data["error"] = parsed["error"] ?? parsed
            }
            return ResponseError(.upstreamBadResponse, "bad upstream response: \(reason)", data: .object(data))
        }
    }

    private static func httpError(status: Int, contentType: String?, body: Data, retryAfter: Double?) -> ResponseError {
        var data: JSONObject = ["status": .number(status)]
        var detail: String
        if let parsed = try? JSONParser.parse(Array(body)), parsed.objectValue != nil {
            let errorObject = parsed["error"] ?? parsed
            data["error"] = errorObject
            detail = errorObject["message"]?.stringValue ?? errorObject.stringValue ?? parsed["message"]?.stringValue ?? "no message"
        } else {
            let text = String(decoding: body.prefix(2000), as: UTF8.self)
            data["body"] = .string(text)
            let kind = contentType.map { " (\($0))" } ?? ""
            detail = text.isEmpty ? "empty body" : "a non-JSON body\(kind): \(summary(of: text))"
        }
        if let retryAfter { data["retry_after"] = .number(retryAfter) }
        switch status {
        case 401: detail += " — check the API key"
        case 404: detail += " — check base_url (it usually ends in /v1) and the model name"
        case 429 where retryAfter != nil: detail += " — retry after \(format(retryAfter!)) s"
        default: break
        }
        return ResponseError(.upstreamHTTPError, "upstream HTTP \(status): \(detail)", data: .object(data))
    }

    /// The `<title>` of an HTML page, else the first line, shortened.
    private static func summary(of text: String) -> String {
        if let open = text.rangeIgnoringCase(of: "<title>"), let close = text.rangeIgnoringCase(of: "</title>", from: open.upperBound) {
            return text[open.upperBound..<close.lowerBound].trimmingWhitespace
        }
        let firstLine = text.split(whereSeparator: \.isNewline).first.map(String.init) ?? text
        return firstLine.count > 200 ? String(firstLine.prefix(200)) + "…" : firstLine
    }

    /// Seconds as a person writes them; any Double (a server may send an absurd Retry-After).
    private static func format(_ seconds: Double) -> String {
        JSONNumber(seconds).literal
    }
}
