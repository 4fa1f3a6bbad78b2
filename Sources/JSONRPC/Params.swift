/// Typed, by-name access to a request's params; every failure is -32602 naming the field.
public struct Params: Sendable {
    /// The params object (empty when the request had none).
    public private(set) var object: JSONObject

    /// Accepts a missing params member or an object; positional (array) params are refused.
    public init(_ value: JSONValue?) throws(ResponseError) {
        switch value {
        case nil, .null?: object = JSONObject()
        case .object(let params)?: object = params
        case let other?: throw ResponseError(.invalidParams, "invalid params: params must be an object (by name), got \(other.typeName)")
        }
    }

    public subscript(key: String) -> JSONValue? {
        get { object[key] }
        set { object[key] = newValue }
    }

    public func string(_ key: String) throws(ResponseError) -> String? {
        try optional(key, "a string") { $0.stringValue }
    }

    public func requireString(_ key: String) throws(ResponseError) -> String {
        guard let value = try string(key) else { throw .invalidParams(field: key, "is required (a string)") }
        return value
    }

    public func bool(_ key: String) throws(ResponseError) -> Bool? {
        try optional(key, "a boolean") { $0.boolValue }
    }

    public func int(_ key: String) throws(ResponseError) -> Int? {
        try optional(key, "an integer") { $0.intValue }
    }

    public func array(_ key: String) throws(ResponseError) -> [JSONValue]? {
        try optional(key, "an array") { $0.arrayValue }
    }

    public func objectValue(_ key: String) throws(ResponseError) -> JSONObject? {
        try optional(key, "an object") { $0.objectValue }
    }

    /// A string or an array of strings.
    public func strings(_ key: String) throws(ResponseError) -> [String]? {
        guard let value = object[key], !value.isNull else { return nil }
        guard let array = value.arrayValue else { throw .invalidParams(field: key, "must be an array of strings, got \(value.typeName)") }
        var strings: [String] = []
        for (index, element) in array.enumerated() {
            guard let string = element.stringValue else { throw .invalidParams(field: "\(key).\(index)", "must be a string, got \(element.typeName)") }
            strings.append(string)
        }
        return strings
    }

    private func optional<T>(_ key: String, _ kind: String, _ extract: (JSONValue) -> T?) throws(ResponseError) -> T? {
        guard let value = object[key], !value.isNull else { return nil }
        guard let typed = extract(value) else { throw .invalidParams(field: key, "must be \(kind), got \(value.typeName)") }
        return typed
    }
}
