import JSONRPC

/// An object schema being adapted from a method's params to a tool's arguments: properties
/// removed, renamed, added or given another default. Each step returns a new schema.
struct ObjectSchema: Sendable {
    private(set) var object: JSONObject

    init(_ object: JSONObject) {
        self.object = object
    }

    var json: JSONValue { .object(object) }
    var properties: JSONObject { object["properties"]?.objectValue ?? JSONObject() }
    var propertyNames: [String] { properties.keys }
    var required: [String] { object["required"]?.arrayValue?.compactMap(\.stringValue) ?? [] }

    /// Without these properties (and no longer requiring them).
    func removing(_ names: String...) -> ObjectSchema {
        var copy = self
        copy.editProperties { properties in for name in names { properties[name] = nil } }
        copy.setRequired(required.filter { !names.contains($0) })
        return copy
    }

    /// Property `old` offered as `new` (required if `old` was), optionally with a new description.
    func renaming(_ old: String, to new: String, description: String? = nil) -> ObjectSchema {
        var copy = self
        copy.editProperties { properties in
            let entries = properties.map { entry -> (String, JSONValue) in
                guard entry.key == old else { return (entry.key, entry.value) }
                var schema = entry.value
                if let description, var fields = schema.objectValue {
                    fields["description"] = .string(description)
                    schema = .object(fields)
                }
                return (new, schema)
            }
            properties = JSONObject(entries)
        }
        copy.setRequired(required.map { $0 == old ? new : $0 })
        return copy
    }

    /// With property `name`, placed first or last.
    func adding(_ name: String, _ schema: JSONValue, first: Bool = false) -> ObjectSchema {
        var copy = self
        copy.editProperties { properties in
            properties[name] = nil
            if first {
                properties = JSONObject([(name, schema)] + properties.map { ($0.key, $0.value) })
            } else {
                properties[name] = schema
            }
        }
        return copy
    }

    /// Property `name`'s default replaced (and said in its description).
    func defaulting(_ name: String, to value: JSONValue, because note: String) -> ObjectSchema {
        var copy = self
        copy.editProperties { properties in
            guard var schema = properties[name]?.objectValue else { return }
            schema["default"] = value
            let described = schema["description"]?.stringValue.map { $0 + " " } ?? ""
            schema["description"] = .string(described + note)
            properties[name] = .object(schema)
        }
        return copy
    }

    /// Exactly these properties required.
    func requiring(_ names: [String]) -> ObjectSchema {
        var copy = self
        copy.setRequired(names)
        return copy
    }

    /// Without `oneOf`/`anyOf`/`allOf` at the root, which many hosts' model APIs refuse in a
    /// tool's input schema; the method checks the same rule and the tool reports it as an error.
    func withoutRootCombinators() -> ObjectSchema {
        var copy = self
        for keyword in ["oneOf", "anyOf", "allOf", "title"] { copy.object[keyword] = nil }
        return copy
    }

    func describing(_ text: String) -> ObjectSchema {
        var copy = self
        copy.object["description"] = .string(text)
        return copy
    }

    private mutating func editProperties(_ edit: (inout JSONObject) -> Void) {
        var properties = object["properties"]?.objectValue ?? JSONObject()
        edit(&properties)
        object["properties"] = .object(properties)
    }

    private mutating func setRequired(_ names: [String]) {
        object["required"] = names.isEmpty ? nil : .array(names.map(JSONValue.string))
    }
}
