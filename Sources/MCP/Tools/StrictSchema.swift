import JSONRPC

/// A tool's input schema made convertible to an OpenAI strict function schema, as hosts built on
/// OpenAI's models convert it (openai-agents' `ensure_strict_json_schema`, and the API's own
/// `strict: true`): every object closed (`additionalProperties: false`) and declaring its
/// properties.
///
/// An object with declared properties is closed: the model is offered exactly those (the method
/// behind the tool still takes the API's other fields). An object that declares none (a map
/// such as `metadata` or `logit_bias`, a free-form value such as a function's `parameters`) has no
/// strict form, so it is left out of the schema: the property holding it, the array of them, the
/// union variant that is one. References are inlined (the converter wants no bare `$ref`).
enum StrictSchema {
    /// `schema` (a bundled tool input schema, its definitions in `$defs`) in its strict form,
    /// with every reference replaced by what it refers to (the converter takes no bare `$ref`).
    static func closed(_ schema: JSONValue) -> JSONValue {
        guard var root = schema.objectValue else { return schema }
        let defs = root["$defs"]?.objectValue ?? JSONObject()
        root["$defs"] = nil
        return close(.object(root), defs: defs, expanding: []) ?? schema
    }

    /// `schema` with its references inlined and its objects closed; nil when it has no strict
    /// form (a reference to itself included: it cannot be inlined).
    private static func close(_ schema: JSONValue, defs: JSONObject, expanding: Set<String>) -> JSONValue? {
        guard var object = schema.objectValue else { return schema }
        var expanding = expanding
        if let reference = object["$ref"]?.stringValue {
            let name = String(reference.split(separator: "/").last ?? "")
            guard !expanding.contains(name), let target = defs[name]?.objectValue else { return nil }
            expanding.insert(name)
            object["$ref"] = nil
            var merged = target
            merged["title"] = nil
            for (key, value) in object { merged[key] = value }
            object = merged
        }
        let close = { (value: JSONValue) in Self.close(value, defs: defs, expanding: expanding) }
        if let properties = object["properties"]?.objectValue {
            var kept = JSONObject()
            for (name, property) in properties {
                if let strict = close(property) { kept[name] = strict }
            }
            object["properties"] = .object(kept)
            if let required = object["required"]?.arrayValue {
                let remaining = required.filter { $0.stringValue.map { kept[$0] != nil } ?? false }
                object["required"] = remaining.isEmpty ? nil : .array(remaining)
            }
        }
        if isObject(object) {
            let declares = !(object["properties"]?.objectValue?.isEmpty ?? true)
            guard declares || object["additionalProperties"] == false else { return nil }
            object["additionalProperties"] = false
        }
        if let items = object["items"], items.objectValue != nil {
            guard let strict = close(items) else { return nil }
            object["items"] = strict
        }
        for keyword in ["anyOf", "oneOf"] {
            guard let variants = object[keyword]?.arrayValue else { continue }
            let kept = variants.compactMap(close)
            guard !kept.isEmpty else { return nil }
            object[keyword] = .array(kept)
        }
        if let parts = object["allOf"]?.arrayValue {
            var kept: [JSONValue] = []
            for part in parts {
                guard let strict = close(part) else { return nil }
                kept.append(strict)
            }
            object["allOf"] = .array(kept)
        }
        return .object(object)
    }

    /// Whether `schema` describes objects: its `type` is or includes "object", or it declares properties.
    private static func isObject(_ schema: JSONObject) -> Bool {
        switch schema["type"] {
        case .string("object")?: true
        case .array(let types)?: types.contains("object")
        default: schema["properties"] != nil
        }
    }
}
