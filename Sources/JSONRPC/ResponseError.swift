/// A JSON-RPC error object, thrown by handlers and written as a response's `error` member.
public struct ResponseError: Error, Sendable, Equatable {
    public var code: ErrorCode
    public var message: String
    public var data: JSONValue?

    public init(_ code: ErrorCode, _ message: String, data: JSONValue? = nil) {
        self.code = code
        self.message = message
        self.data = data
    }

    /// The wire form `{code, message, data?}`.
    public var json: JSONValue {
        var object = JSONObject([("code", .number(code.rawValue)), ("message", .string(message))])
        if let data { object["data"] = data }
        return .object(object)
    }

    public static func parseError(_ detail: String) -> ResponseError {
        ResponseError(.parseError, "parse error: \(detail)")
    }

    public static func invalidRequest(_ detail: String) -> ResponseError {
        ResponseError(.invalidRequest, "invalid request: \(detail)")
    }

    public static func methodNotFound(_ method: String) -> ResponseError {
        ResponseError(.methodNotFound, "method not found: \(method)", data: ["method": .string(method)])
    }

    /// Invalid params, naming the offending field (a dotted path such as `messages.0.content`).
    public static func invalidParams(field: String, _ detail: String) -> ResponseError {
        ResponseError(.invalidParams, "invalid params: \(field) \(detail)", data: ["field": .string(field)])
    }

    public static func internalError(_ detail: String) -> ResponseError {
        ResponseError(.internalError, "internal error: \(detail)")
    }
}
